"""The inventors' programme through ip-counsel: in a share of the groups (`Scale.inventive`, at
least one group when above 0) two members enroll as inventors. Once the groups are set up the
national supervisor registers one counsellor for the run; each inventive group's inventors
record a disclosure under secrecy (its content made of made-up words, found nowhere else), a
supervisor of the state assigns the counsellor, and the inventors decide: file a patent (the
counsellor drafts the filing and files it at IMPI the same day, which opens its priority
deadline on the shared clock) or keep it secret. As the months move the clock, ip-counsel's
scheduler announces the deadlines' reminders and misses on `ip-counsel.events`. The inventors
also license their invention (5 % of the licensee's sales, monthly, from the month of setup):
each 15th the licensee's sales of the month before are reported and the royalty due paid in
full the same day; ip-counsel splits it among the inventors by their shares and enrollment
counts each part as the inventor's income in the period containing the day."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from megp_simulation.api import ApiError
from megp_simulation.model import Group, InventionTrack, add_months

if TYPE_CHECKING:
    from megp_simulation.scenario import Simulation

INVENTOR_SEATS = (2, 3)  # the members who invent (0 and 1 sit on the board, 4 on the committee)
FILING = "patent"
KEEP_SECRET = 0.25  # the share of inventive groups after the first whose inventors keep it secret
CONSONANTS = "bcdfghjklmnpqrstvwxz"


def inventive(sim: Simulation, g: Group) -> bool:
    share = sim.scale.inventive
    if share <= 0:
        return False
    return g.index < max(1, round(share * sim.scale.groups))


def words(ids: random.Random) -> tuple[dict[str, Any], list[str]]:
    """A disclosure's content and its made-up words (each containing one tag of 10 letters)."""
    tag = "".join(ids.choice(CONSONANTS) for _ in range(10))
    made_up = [f"telarix{tag}", f"urdimbral{tag}", f"tintovex{tag}", f"batanola{tag}"]
    body = {
        "title": f"Telar {made_up[0]} de pedal doble",
        "field": f"telares {made_up[1]}",
        "description": f"Un telar que fija el tinte con la rueda {made_up[2]}.",
        "claims": [f"Un peine {made_up[3]} que tensa la urdimbre sin nudos."],
        "prior_art": ["Telares de cintura de la región"],
    }
    return body, made_up


def register_counsellor(sim: Simulation) -> None:
    """The national supervisor registers the run's counsellor, once."""
    if not any(inventive(sim, g) for g in sim.groups):
        return
    sim.counsellor_subject = f"{sim.run_tag}-counsellor"
    got = sim.api.call(
        "ip-counsel",
        "POST",
        "/counsellors",
        "programme_supervisor",
        claims={"states": ("*",), "subject": "ip-registrar"},
        key=sim.key("counsellor"),
        json={
            "subject": sim.counsellor_subject,
            "name": "Lic. Simulación Propiedad",
            "organization": "Despacho simulado",
            "specialties": ["patents"],
        },
    )
    sim.counsellor_id = str(got["id"])


def _until_known(sim: Simulation, what: str, send: Any, timeout_s: float = 120.0) -> Any:
    """Retries a command ip-counsel refuses until it has learnt, from enrollment's events, the
    group and its members (a 4xx until then); the last refusal is raised after `timeout_s`."""
    deadline, pause = time.monotonic() + timeout_s, 0.25
    while True:
        status, got = send()
        if status == 200:
            return got
        if status >= 500 or time.monotonic() > deadline:
            raise ApiError("POST", f"ip-counsel {what}", status, str(got))
        time.sleep(pause)
        pause = min(pause * 1.6, 1.0)


def disclose(sim: Simulation, g: Group) -> None:
    """The group's inventors disclose, the counsellor is assigned, the inventors decide and
    (for a patent) the counsellor drafts and files it on the day."""
    if not g.inventors:
        return
    api, r = sim.api, random.Random(f"{sim.seed}:{g.index}:ip")
    content, made_up = words(sim.ids)
    first = g.participant(g.inventors[0])
    body = {
        "group_id": g.group_id,
        "sector": "manufacturing",
        "inventors": [
            {"participant_id": g.inventors[0], "share": "60"},
            {"participant_id": g.inventors[1], "share": "40"},
        ],
        "content": content,
    }
    made = _until_known(
        sim,
        "disclosure",
        lambda: api.try_call(
            "ip-counsel",
            "POST",
            "/disclosures",
            "participant",
            claims=first,
            key=sim.key("disclosure", g.group_id),
            json=body,
        ),
    )
    choice = "file" if g.index == 0 or r.random() >= KEEP_SECRET else "keep_secret"
    track = InventionTrack(str(made["id"]), made_up, choice)
    api.watch(made_up)
    g.invention = track
    d = track.disclosure_id
    api.call(
        "ip-counsel",
        "POST",
        f"/disclosures/{d}/counsellor",
        "programme_supervisor",
        claims={"states": (g.state,), "subject": f"supervisor-{g.state}"},
        key=sim.key("assign", d),
        json={"counsellor_id": sim.counsellor_id},
    )
    decision: dict[str, Any] = {"choice": choice}
    if choice == "file":
        decision["route"] = FILING
    api.call(
        "ip-counsel",
        "POST",
        f"/disclosures/{d}/decision",
        "participant",
        claims=g.participant(g.inventors[1]),
        key=sim.key("decision", d),
        json=decision,
    )
    license_it(sim, g, track)
    if choice != "file":
        return
    counsellor = {"states": (g.state,), "subject": sim.counsellor_subject}
    drafted = api.call(
        "ip-counsel",
        "POST",
        "/filings",
        "ip_counsellor",
        claims=counsellor,
        key=sim.key("filing", d),
        json={"disclosure_id": d, "filing_type": FILING},
    )
    track.filing_id = str(drafted["id"])
    number = f"MX/a/{sim.today.year}/{sim.ids.randrange(10**6):06d}"
    api.call(
        "ip-counsel",
        "POST",
        f"/filings/{track.filing_id}/submission",
        "ip_counsellor",
        claims=counsellor,
        key=sim.key("submission", track.filing_id),
        json={"application_number": number, "filed_on": sim.today.isoformat()},
    )
    track.filed_on = sim.today


def license_it(sim: Simulation, g: Group, track: InventionTrack) -> None:
    start = sim.today.replace(day=1)
    got = sim.api.call(
        "ip-counsel",
        "POST",
        "/licences",
        "participant",
        claims=g.participant(g.inventors[0]),
        key=sim.key("licence", track.disclosure_id),
        json={
            "disclosure_id": track.disclosure_id,
            "kind": "licence",
            "licensee": {"name": "Textiles Industriales Simulados", "rfc": "TIS010101AB1"},
            "exclusive": False,
            "territory": ["MX"],
            "field_of_use": "industrial looms",
            "starts_on": start.isoformat(),
            "ends_on": add_months(start, 60).isoformat(),
            "royalty": {"basis": "rate", "percent": "5", "period": "monthly"},
        },
    )
    track.licence_id = str(got["id"])


def royalty(sim: Simulation, g: Group, month: int) -> None:
    """The 15th: the licensee's sales of the month before reported by the counsellor, and the
    royalty due paid in full; the driver keeps each inventor's part."""
    track = g.invention
    if track is None or not track.licence_id:
        return
    r = random.Random(f"{sim.seed}:{g.index}:royalty:{month}")
    last = (sim.today.replace(day=1) - timedelta(days=1)).replace(day=1)
    lid, claims = track.licence_id, {"states": (g.state,), "subject": sim.counsellor_subject}
    report = sim.api.call(
        "ip-counsel",
        "POST",
        f"/licences/{lid}/reports",
        "ip_counsellor",
        claims=claims,
        key=sim.key("royalty-report", lid, last),
        json={
            "period_start": last.isoformat(),
            "sales": f"{r.randrange(800000, 6000000) / 100:.2f}",
        },
    )
    if Decimal(report["due"]) <= 0:
        return
    paid = sim.api.call(
        "ip-counsel",
        "POST",
        f"/licences/{lid}/reports/{report['report_id']}/payments",
        "ip_counsellor",
        claims=claims,
        key=sim.key("royalty-payment", lid, last),
        json={"amount": report["due"], "received_on": sim.today.isoformat()},
    )
    parts = {str(p["participant_id"]): Decimal(p["amount"]) for p in paid["parts"]}
    parts = {pid: amount for pid, amount in parts.items() if amount > 0}  # none announced
    track.royalties.append((str(paid["payment_id"]), sim.today, parts))


def outside_reads(sim: Simulation) -> list[str]:
    """What a member of each inventive group who is no inventor, and a supervisor of its state,
    read of the disclosure and its filings: metadata, which the run scans for the made-up
    words (the inventors' and the counsellor's own reads are the circle's, not scanned)."""
    out: list[str] = []
    for g in sim.groups:
        if g.invention is None:
            continue
        outsider = g.participant(g.members[0].pid)
        supervisor = {"states": (g.state,), "subject": f"supervisor-{g.state}"}
        d = g.invention.disclosure_id
        for role, claims, path in (
            ("participant", outsider, f"/disclosures/{d}"),
            ("programme_supervisor", supervisor, f"/disclosures?group_id={g.group_id}"),
            ("programme_supervisor", supervisor, f"/filings?disclosure_id={d}"),
        ):
            status, got = sim.api.try_call("ip-counsel", "GET", path, role, claims=claims)
            out.append(f"{status} {got}")
    return out

"""Associations abroad giving to their home communities (issue 16, the donors service
[¶53-¶54, ¶58, ¶71]). After setup the national supervisor registers a club for every other
state of the run (its first, third, ...) and opens one 3x1 matching programme for those states:
a federal, a state and a municipal co-funder each matching a peso per peso, with caps per
project, per association and for the whole programme, and a window that closes on the 1st of
the run's last month. Each 15th, once the day's USD rate is recorded, every club gives
to one of its state's groups in turn (USD two months of three, at the recorded rate; MXN the
third),
inside the programme every other month while its window is open. The co-funders confirm and pay
most pledges on the same day; the ones they leave lapse when the window closes.

What a club gave and what the co-funders paid are inflows of the group's fund in the run's own
books (`Group.inflows`, `grants_mxn`), so the funds invariants count them like any grant. The
checks (`check_donors`): matched totals within every cap; every donation's receipt exists once
(numbers unique, and gapless in each year: read from donors' store when the run has it); every
booked donation in its fund's journal once with its 50/50 split; unpaid pledges lapsed and the
association told of each. Each club draws from its own stream, so the other figures of a run
stay as they were."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from megp_simulation.api import ApiError
from megp_simulation.model import Group, add_months, money, noon

if TYPE_CHECKING:
    from megp_simulation.invariants import Check, FundView
    from megp_simulation.scenario import Simulation

DONORS_DB = "megp_donors"
#: the co-funders of the run's programme (3x1): tier, name, pesos per peso donated
TIERS: tuple[tuple[str, str, str], ...] = (
    ("federal", "Gobierno federal", "1"),
    ("state", "Gobierno del estado", "1"),
    ("municipal", "Municipio de origen", "1"),
)
#: the programme's caps, MXN (a small run reaches the per-project and per-association ones)
CAPS = {"per_project": "30000.00", "per_association": "45000.00", "programme": "90000.00"}
#: the share of pledges the co-funders pay
PAID_SHARE = 0.8
NATIONAL = {"states": ("*",), "subject": "donors-desk"}


@dataclass
class DonationTrack:
    donation_id: str
    group: Group
    currency: str
    amount: Decimal
    amount_mxn: Decimal
    in_programme: bool
    pledges: dict[str, bool] = field(default_factory=dict)  # pledge id -> paid by its co-funder
    pledged_mxn: Decimal = Decimal(0)
    full_match_mxn: Decimal = Decimal(0)  # what the ratios would have pledged without caps


@dataclass
class ClubTrack:
    state: str
    rng: random.Random
    association_id: str = ""
    name: str = ""
    groups: list[Group] = field(default_factory=list)
    donations: list[DonationTrack] = field(default_factory=list)

    def portal(self) -> dict[str, Any]:
        """The claims of the club's portal token: its association, its state of origin."""
        return {
            "states": (self.state,),
            "subject": f"portal-{self.association_id}",
            "organization": self.association_id,
        }


@dataclass
class DonorDesk:
    clubs: list[ClubTrack] = field(default_factory=list)
    programme_id: str = ""
    closes_on: Any = None  # the date the programme's window closes (noon)

    def cofunder(self, cofunder_id: str) -> dict[str, Any]:
        return {"states": ("*",), "subject": f"cf-{cofunder_id}", "organization": cofunder_id}


def register(sim: Simulation) -> None:
    """The national supervisor registers the run's clubs and opens their programme; each
    portal then waits until donors shows it its community's groups with their funds open."""
    states = sorted({g.state for g in sim.groups})[::2]
    desk = sim.donors = DonorDesk()
    for state in states:
        club = ClubTrack(state, random.Random(f"{sim.seed}:donors:{state}"))
        club.name = f"Club {state} de Chicago {sim.run_tag}"
        club.groups = [g for g in sim.groups if g.state == state]
        made = sim.api.call(
            "donors",
            "POST",
            "/associations",
            "programme_supervisor",
            claims=NATIONAL,
            key=sim.key("association", state),
            json={
                "name": club.name,
                "country": "US",
                "city": "Chicago",
                "origin_state_code": state,
            },
        )
        club.association_id = made["id"]
        desk.clubs.append(club)
    closes = add_months(sim.plan_start, sim.scale.months)  # the 1st of the run's last month
    desk.closes_on = closes
    made = sim.api.call(
        "donors",
        "POST",
        "/matching-programmes",
        "programme_supervisor",
        claims=NATIONAL,
        key=sim.key("programme"),
        json={
            "name": f"3x1 para Migrantes {sim.run_tag}",
            "cofunders": [
                {"id": f"{sim.run_tag}-{tier}", "name": name, "tier": tier, "ratio": ratio}
                for tier, name, ratio in TIERS
            ],
            "caps": CAPS,
            "eligible_states": states,
            "opens_at": noon(sim.setup_day).isoformat(),
            "closes_at": noon(closes).isoformat(),
        },
    )
    desk.programme_id = made["id"]
    for club in desk.clubs:
        for g in club.groups:
            sim.eventually(
                f"project {g.group_id} seen by its club",
                lambda club=club, g=g: _shown(sim, club, g),  # type: ignore[misc]
            )


def _shown(sim: Simulation, club: ClubTrack, g: Group) -> bool | None:
    status, project = sim.api.try_call(
        "donors", "GET", f"/projects/{g.group_id}", "donor_portal", claims=club.portal()
    )
    return True if status == 200 and project.get("fund_open") else None


def give(sim: Simulation, month: int) -> None:
    """The 15th's donations, one per club (after the day's rate is recorded)."""
    desk = sim.donors
    if desk is None:
        return
    for club in desk.clubs:
        _give(sim, desk, club, month)


def _give(sim: Simulation, desk: DonorDesk, club: ClubTrack, month: int) -> None:
    r = club.rng
    g = club.groups[(month // 2) % len(club.groups)]  # so each group has gifts in and out
    usd = month % 3 != 2
    amount = Decimal(r.randrange(50, 400, 10)) if usd else Decimal(r.randrange(1000, 8000, 100))
    in_window = noon(sim.today) < noon(desk.closes_on)
    inside = in_window and month % 2 == 0
    body: dict[str, Any] = {
        "portal_donation_id": f"{sim.run_tag}-{club.state}-{month}",
        "group_id": g.group_id,
        "amount": f"{amount:.2f}",
        "currency": "USD" if usd else "MXN",
    }
    if inside:
        body["programme_id"] = desk.programme_id
    made = sim.eventually(  # a 422 until donors has learnt the day's rate from trade
        f"donation of {club.name} in month {month}",
        lambda: _donate(sim, club, body, month),
    )
    track = DonationTrack(
        made["id"], g, body["currency"], amount, Decimal(made["amount_mxn"]), inside
    )
    track.full_match_mxn = sum(
        (money(track.amount_mxn * Decimal(ratio)) for _, _, ratio in TIERS), Decimal(0)
    )
    club.donations.append(track)
    g.inflows.append(track.amount_mxn)
    g.grants_mxn += track.amount_mxn
    if usd:
        g.grants_usd += amount
    for n, pledge in enumerate(made.get("pledges") or []):
        # the co-funders pay most pledges; the first programme donation's last one never
        first = sum(1 for d in club.donations if d.in_programme) == 1
        pays = r.random() < PAID_SHARE and not (first and n == len(made["pledges"]) - 1)
        track.pledges[pledge["id"]] = pays
        track.pledged_mxn += Decimal(pledge["amount_mxn"])
        if pays:
            _pay(sim, desk, pledge)
            g.inflows.append(Decimal(pledge["amount_mxn"]))
            g.grants_mxn += Decimal(pledge["amount_mxn"])


def _donate(
    sim: Simulation, club: ClubTrack, body: dict[str, Any], month: int
) -> dict[str, Any] | None:
    status, made = sim.api.try_call(
        "donors",
        "POST",
        "/donations",
        "donor_portal",
        claims=club.portal(),
        key=sim.key("donation", club.state, month),
        json=body,
    )
    if status == 200:
        return dict(made)
    if status == 422 and "no-exchange-rate" in str(made):
        return None
    raise ApiError("POST", "donors/donations", status, str(made))


def _pay(sim: Simulation, desk: DonorDesk, pledge: dict[str, Any]) -> None:
    payer = desk.cofunder(pledge["cofunder_id"])
    for step in ("confirmation", "payment"):
        sim.api.call(
            "donors",
            "POST",
            f"/pledges/{pledge['id']}/{step}",
            "programme_supervisor",
            claims=payer,
            key=sim.key("pledge", pledge["id"], step),
        )


def event_keys(sim: Simulation) -> set[str]:
    """The Kafka keys of the run's associations (its donations' events are keyed by group)."""
    return {c.association_id for c in sim.donors.clubs} if sim.donors else set()


# -- the checks at the end -------------------------------------------------------------------


@dataclass
class DonorsRead:
    donations: dict[str, dict[str, Any]]  # donation id -> GET /donations/{id}
    pledges: list[dict[str, Any]]
    notices: dict[str, list[dict[str, Any]]]  # association id -> its notices
    year_numbers: dict[int, list[int]]  # year -> every receipt seq in donors' store
    year_last: dict[int, int]  # year -> the counter's last number


def read_donors(sim: Simulation, mongo: str | None) -> DonorsRead | None:
    desk = sim.donors
    if desk is None:
        return None
    donations: dict[str, dict[str, Any]] = {}
    for club in desk.clubs:
        for d in club.donations:
            donations[d.donation_id] = sim.eventually(
                f"donation {d.donation_id} booked with its receipt",
                lambda d=d, club=club: _booked(sim, club, d),  # type: ignore[misc]
            )
    lapsing = sum(1 for c in desk.clubs for d in c.donations for p in d.pledges.values() if not p)
    pledges = sim.eventually("unpaid pledges lapsed", lambda: _settled_pledges(sim, desk, lapsing))
    notices = {
        c.association_id: sim.api.call(
            "donors", "GET", f"/associations/{c.association_id}/notices", claims=NATIONAL
        )
        for c in desk.clubs
    }
    years = {
        int(d["receipt_number"].split("-")[0]) for d in donations.values() if d["receipt_number"]
    }
    year_numbers: dict[int, list[int]] = {}
    year_last: dict[int, int] = {}
    if mongo is not None and years:
        from pymongo import MongoClient

        client: MongoClient[dict[str, Any]] = MongoClient(mongo, serverSelectionTimeoutMS=10000)
        try:
            db = client[DONORS_DB]
            for year in years:
                found = db["donations"].find({"receipt.year": year}, {"receipt.seq": 1})
                year_numbers[year] = [int(x["receipt"]["seq"]) for x in found]
                counter = db["receipt_counters"].find_one({"_id": year}) or {}
                year_last[year] = int(counter.get("last", 0))
        finally:
            client.close()
    return DonorsRead(donations, pledges, notices, year_numbers, year_last)


def _booked(sim: Simulation, club: ClubTrack, d: DonationTrack) -> dict[str, Any] | None:
    got = sim.api.call(
        "donors", "GET", f"/donations/{d.donation_id}", "donor_portal", claims=club.portal()
    )
    done = got["status"] == "refused" or bool(got.get("receipt_number"))
    return dict(got) if done else None


def _settled_pledges(sim: Simulation, desk: DonorDesk, lapsing: int) -> list[Any] | None:
    rows = sim.api.call(
        "donors",
        "GET",
        f"/matching-programmes/{desk.programme_id}/pledges",
        claims=NATIONAL,
        params={"limit": 1000},
    )
    lapsed = sum(1 for p in rows if p["status"] == "lapsed")
    paid = all(p.get("entry_id") for p in rows if p["status"] == "paid")
    return list(rows) if lapsed >= lapsing and paid else None


def check_donors(sim: Simulation, read: DonorsRead | None, funds: list[FundView]) -> list[Check]:
    from megp_simulation.invariants import Check, cents

    caps = Check(
        "matched totals within every cap",
        "the programme's pledges not lapsed or cancelled, summed per project, per association "
        "and in all, never above the programme's caps; what the run kept of each donation's "
        "pledges agrees with donors'",
    )
    receipts = Check(
        "every donation's receipt exists once",
        "each booked donation has a receipt number YYYY-NNNNNN, no two alike; in each of their "
        "years donors' store holds the numbers 1..last of the year's counter, each once",
    )
    journal = Check(
        "every booked donation is in its fund's journal once with its 50/50 split",
        "the donation's entry in its group's journal, once, with its amount in pesos on trust "
        "cash and the odd centavo to development; one entry from the club per booked donation",
    )
    lapsed = Check(
        "unpaid pledges lapse and the association is told",
        "each pledge the co-funders left is lapsed after the window, each paid one booked, and "
        "the association has a pledge_lapsed notice for each lapsed one",
    )
    if read is None or sim.donors is None:
        return []
    desk = sim.donors
    live = [p for p in read.pledges if p["status"] not in ("lapsed", "cancelled")]
    limit = {k: cents(v) for k, v in CAPS.items()}
    per_group = Counter[str]()
    per_club = Counter[str]()
    for p in live:
        per_group[p["group_id"]] += cents(p["amount_mxn"])
        per_club[p["association_id"]] += cents(p["amount_mxn"])
    for gid, c in per_group.items():
        caps.expect(c <= limit["per_project"], f"group {gid}: {c} centavos matched")
    for aid, c in per_club.items():
        caps.expect(c <= limit["per_association"], f"association {aid}: {c} centavos matched")
    total = sum(per_group.values())
    caps.expect(total <= limit["programme"], f"programme: {total} centavos matched")
    ours = {pid for c in desk.clubs for d in c.donations for pid in d.pledges}
    caps.expect(ours == {p["id"] for p in read.pledges}, "the run's pledges differ from donors'")

    numbers = [d["receipt_number"] for d in read.donations.values()]
    receipts.expect(len(set(numbers)) == len(numbers), f"receipt numbers repeated: {numbers}")
    for n in numbers:
        receipts.expect(bool(n) and len(n) == 11 and n[4] == "-", f"receipt number {n!r}")
    for year, seqs in read.year_numbers.items():
        last = read.year_last.get(year, 0)
        receipts.expect(
            sorted(seqs) == list(range(1, last + 1)),
            f"{year}: {len(seqs)} receipts for numbers up to {last}, not each of 1..{last} once",
        )
    if sim.donors is not None and not read.year_numbers:
        receipts.failures.append("donors' store was not given to the run (--mongo)")

    by_group = {f.group.group_id: f for f in funds}
    for club in desk.clubs:
        booked = Counter[str]()
        for d in club.donations:
            got = read.donations[d.donation_id]
            journal.expect(got["status"] == "booked", f"{d.donation_id}: {got['status']}")
            f = by_group[d.group.group_id]
            entry_id = str(got.get("entry_id"))
            n = f.journal.entries_of(entry_id)
            journal.expect(n == 1, f"{d.donation_id}: {n} journal entries")
            if n:
                c, e = cents(got["amount_mxn"]), f.journal.inflows.get(entry_id)
                journal.expect(
                    e is not None
                    and e.trust_debit == c
                    and cents(got["split"]["development"]) == c - c // 2
                    and cents(got["split"]["competition"]) == c // 2
                    and e.dev_credit == c - c // 2
                    and e.comp_credit == c // 2,
                    f"{d.donation_id}: entry {entry_id} ({e}) does not split {c} centavos 50/50",
                )
            booked[d.group.group_id] += 1
        for gid, n in booked.items():
            from_club = by_group[gid].journal.from_club(club.name)
            journal.expect(from_club == n, f"{gid}: {from_club} entries, {n} donations")

    status = {p["id"]: p["status"] for p in read.pledges}
    told = {
        n["pledge_id"] for ns in read.notices.values() for n in ns if n["kind"] == "pledge_lapsed"
    }
    for club in desk.clubs:
        for d in club.donations:
            for pid, paid in d.pledges.items():
                want = "paid" if paid else "lapsed"
                lapsed.expect(status.get(pid) == want, f"pledge {pid}: {status.get(pid)}")
                if not paid:
                    lapsed.expect(pid in told, f"pledge {pid} lapsed untold")
    return [caps, receipts, journal, lapsed]


def figures(sim: Simulation, read: DonorsRead | None) -> dict[str, Any]:
    """The summary's `donors` section."""
    desk = sim.donors
    if desk is None or read is None:
        return {}
    tracks = [d for c in desk.clubs for d in c.donations]
    by_status = Counter(p["status"] for p in read.pledges)
    return {
        "associations": len(desk.clubs),
        "donations": len(tracks),
        "in_programme": sum(1 for d in tracks if d.in_programme),
        "usd_donations": sum(1 for d in tracks if d.currency == "USD"),
        "donated_usd": str(sum((d.amount for d in tracks if d.currency == "USD"), Decimal(0))),
        "donated_mxn": str(sum((d.amount_mxn for d in tracks), Decimal(0))),
        "booked": sum(1 for d in read.donations.values() if d["status"] == "booked"),
        "receipts": sum(1 for d in read.donations.values() if d["receipt_number"]),
        "pledges": dict(sorted(by_status.items())),
        "pledged_mxn": str(sum((d.pledged_mxn for d in tracks), Decimal(0))),
        "full_match_mxn": str(sum((d.full_match_mxn for d in tracks if d.in_programme), 0)),
        "paid_mxn": str(
            sum((Decimal(p["amount_mxn"]) for p in read.pledges if p["status"] == "paid"), 0)
        ),
        "window_closed_on": desk.closes_on.isoformat() if desk.closes_on else None,
    }

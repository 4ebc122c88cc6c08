"""Inventors, their group and its Innovation Committee seeded through enrollment's API, a
counsellor registered with ip-counsel, and a disclosure whose content is made of words found
nowhere else (so a test can look for them in every answer, event and stored document).

Shared by tests/e2e/test_ip_counsel.py, test_ip_counsel_secrecy.py and openapi_world.py."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from megp_common.auth import Role
from megp_common.testing.enrollment_driver import Driver, ok
from megp_common.testing.keys import key_writes
from megp_common.testing.waits import EVENT_WAIT_S

Header = Callable[..., dict[str, str]]


def secret_words(rng: random.Random) -> dict[str, str]:
    """Content fields, each with a made-up word no other test or record uses."""
    tag = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(10))
    return {
        "title": f"Zorbatron{tag} de doble cámara",
        "field": f"hornos{tag}",
        "description": f"Un horno que recupera el calor con la válvula quintilax{tag}.",
        "claim": f"Una cámara secundaria kelvinada{tag} calentada por el escape.",
        "prior_art": f"Hornos de Atzompa plumbago{tag}",
        "advice": f"Presentar un modelo de utilidad; la reivindicación truvelina{tag} es débil.",
        "comment": f"Original; revisar patentes de hornos vexilar{tag}.",
        "tag": tag,
    }


def content(words: dict[str, str], suffix: str = "") -> dict[str, Any]:
    return {
        "title": words["title"] + suffix,
        "field": words["field"],
        "description": words["description"] + suffix,
        "claims": [words["claim"]],
        "prior_art": [words["prior_art"]],
    }


def distinctive(words: dict[str, str]) -> list[str]:
    """The made-up words themselves (what must never leave the circle), one per piece."""
    tag = words["tag"]
    return sorted(
        {w.strip(".;,") for text in words.values() for w in text.split() if tag in w} - {tag}
    )


@dataclass
class Circle:
    """Who is who around one disclosure."""

    ip: str
    header: Header
    state: str
    group_id: str
    project_id: str
    inventors: list[str]
    member: str  # a member of the group who is no inventor
    committee_id: str
    professor: str  # committee member ids
    student: str
    coordinator: str  # the co-inventor who also sits on the committee
    counsellor_id: str
    counsellor_subject: str
    words: dict[str, str]
    disclosure_id: str = ""
    review_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def as_(
        self, *roles: Role | str, states: tuple[str, ...] | None = None, **claims: Any
    ) -> dict[str, str]:
        subject = (
            claims.pop("subject", None) or f"{'-'.join(map(str, roles))}-{random.getrandbits(40):x}"
        )
        return self.header(*roles, states=states or (self.state,), subject=subject, **claims)

    def inventor(self, n: int = 0) -> dict[str, str]:
        return self.as_(
            Role.PARTICIPANT, participant_id=self.inventors[n], subject=f"p-{self.inventors[n]}"
        )

    def counsellor(self) -> dict[str, str]:
        return self.as_(Role.IP_COUNSELLOR, subject=self.counsellor_subject)

    def reviewer(self, member_id: str | None = None, **claims: Any) -> dict[str, str]:
        return self.as_(Role.COMMITTEE_MEMBER, subject=member_id or self.professor, **claims)

    def co_inventor_reviewer(self) -> dict[str, str]:
        return self.as_(Role.COMMITTEE_MEMBER, participant_id=self.inventors[1], subject="coord")

    @property
    def supervisor(self) -> dict[str, str]:
        return self.as_(Role.PROGRAMME_SUPERVISOR)

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.ip}/v1", timeout=30, event_hooks={"request": [key_writes]}
        )


def eventually(
    fetch: Callable[[], httpx.Response], wanted: int, what: str, timeout_s: float = EVENT_WAIT_S
) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while True:
        r = fetch()
        if r.status_code == wanted:
            return r
        assert time.monotonic() < deadline, f"{what}: {r.status_code} {r.text}"
        time.sleep(0.25)


def seat(
    drive: Driver, committee_id: str, role: str, name: str, participant_id: str | None = None
) -> str:
    body: dict[str, Any] = {"name": name, "role": role}
    if participant_id:
        body["participant_id"] = participant_id
    seated = ok(
        drive.client.post(f"/committees/{committee_id}/members", json=body, headers=drive.staff),
        201,
    )
    return str(seated["member_id"])


def innovation_committee(
    drive: Driver, project_id: str, coordinator: str
) -> tuple[str, str, str, str]:
    committee = ok(
        drive.client.post(
            "/committees",
            json={"kind": "innovation", "name": "Comité de innovación", "project_id": project_id},
            headers=drive.staff,
        ),
        201,
    )
    cid = committee["id"]
    professor = seat(drive, cid, "professor", "Dra. Elena Ruiz, UABJO")
    student = seat(drive, cid, "student", "Luis Pérez")
    coord = seat(drive, cid, "group_coordinator", "Coordinadora", coordinator)
    return cid, professor, student, coord


def register_counsellor(ip: str, header: Header) -> tuple[str, str]:
    subject = f"counsellor-{random.getrandbits(40):x}"
    national = header(Role.PROGRAMME_SUPERVISOR, states=("*",), subject="ip-registrar")
    r = httpx.post(
        f"{ip}/v1/counsellors",
        json={
            "subject": subject,
            "name": "Lic. Ana López",
            "organization": "López PI",
            "specialties": ["patents"],
        },
        headers=national | {"Idempotency-Key": f"c-{subject}"},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"]), subject


def seed_circle(drive: Driver, ip: str, header: Header, rng: random.Random) -> Circle:
    """A group with two inventors and a member who is none, its ODF, its Innovation Committee
    (a professor, a student, and the second inventor as group coordinator) and a counsellor."""
    group = drive.form_group()
    inventors = [
        drive.enroll(inventor=True, declared_programmes=["inventors"])["id"] for _ in range(2)
    ]
    member, *others = [drive.enroll()["id"] for _ in range(3)]  # five members form the group
    for pid in (*inventors, member, *others):
        ok(drive.join(group["id"], pid), 201)
    ok(drive.register_odf(group["id"]), 201)
    cid, professor, student, coord = innovation_committee(drive, group["project_id"], inventors[1])
    counsellor_id, subject = register_counsellor(ip, header)
    return Circle(
        ip=ip,
        header=header,
        state=drive.state,
        group_id=group["id"],
        project_id=group["project_id"],
        inventors=inventors,
        member=member,
        committee_id=cid,
        professor=professor,
        student=student,
        coordinator=coord,
        counsellor_id=counsellor_id,
        counsellor_subject=subject,
        words=secret_words(rng),
    )


def disclosure_body(c: Circle, **over: Any) -> dict[str, Any]:
    return {
        "group_id": c.group_id,
        "sector": "construction",
        "inventors": [
            {"participant_id": c.inventors[0], "share": "62.5"},
            {"participant_id": c.inventors[1], "share": "37.5"},
        ],
        "content": content(c.words),
    } | over


def disclose(c: Circle) -> dict[str, Any]:
    """Record the disclosure once ip-counsel learnt the group, the inventors and the committee."""
    body = disclosure_body(c)
    r = eventually(
        lambda: httpx.post(
            f"{c.ip}/v1/disclosures",
            json=body,
            headers=c.inventor() | {"Idempotency-Key": f"d-{c.group_id}"},
            timeout=30,
        ),
        201,
        "ip-counsel never learnt the inventors' group",
    )
    c.disclosure_id = r.json()["id"]
    return dict(r.json())


def open_review(c: Circle) -> dict[str, Any]:
    r = eventually(
        lambda: httpx.post(
            f"{c.ip}/v1/disclosures/{c.disclosure_id}/reviews",
            headers=c.inventor() | {"Idempotency-Key": f"r-{c.disclosure_id}"},
            timeout=30,
        ),
        201,
        "ip-counsel never learnt the Innovation Committee",
    )
    c.review_id = r.json()["review_id"]
    return dict(r.json())


def assign_counsellor(c: Circle) -> dict[str, Any]:
    r = httpx.post(
        f"{c.ip}/v1/disclosures/{c.disclosure_id}/counsellor",
        json={"counsellor_id": c.counsellor_id},
        headers=c.supervisor | {"Idempotency-Key": f"a-{c.disclosure_id}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def license_and_report(c: Circle) -> tuple[str, str]:
    """The inventors license their invention (5 % of the sales, monthly, from a year back) and
    report last month's sales: the licence's id and the report's."""
    with c.client() as client:
        now = client.get("/admin/clock", headers=c.supervisor).json()["now"]
        today = date.fromisoformat(now[:10])
        last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        starts = last_month.replace(year=last_month.year - 1)
        body = {
            "disclosure_id": c.disclosure_id,
            "kind": "licence",
            "licensee": {"name": "Hornos Industriales de Oaxaca", "rfc": "HIO010101AB1"},
            "exclusive": False,
            "territory": ["MX"],
            "field_of_use": "industrial kilns",
            "starts_on": starts.isoformat(),
            "ends_on": (starts + timedelta(days=5 * 365)).isoformat(),
            "royalty": {"basis": "rate", "percent": "5", "period": "monthly"},
        }
        r = client.post("/licences", json=body, headers=c.inventor())
        assert r.status_code == 201, r.text
        licence_id = str(r.json()["id"])
        sales = {"period_start": last_month.isoformat(), "sales": "20000.00"}
        r = client.post(f"/licences/{licence_id}/reports", json=sales, headers=c.inventor())
        assert r.status_code == 201, r.text
        return licence_id, str(r.json()["report_id"])


def file_patent(c: Circle) -> tuple[str, str]:
    """A second disclosure of the same inventors, decided for a patent [¶55], its filing
    drafted and filed at IMPI the day it was recorded: (disclosure id, filing id)."""
    inventor = c.inventor() | {"Idempotency-Key": f"d2-{random.getrandbits(48):x}"}
    made = httpx.post(f"{c.ip}/v1/disclosures", json=disclosure_body(c), headers=inventor)
    assert made.status_code == 201, made.text
    d = str(made.json()["id"])

    def post(path: str, body: dict[str, Any], expect: int = 200) -> dict[str, Any]:
        key = {"Idempotency-Key": f"ip-{random.getrandbits(64):x}"}
        r = httpx.post(f"{c.ip}/v1{path}", json=body, headers=c.inventor() | key, timeout=30)
        assert r.status_code == expect, r.text
        return dict(r.json())

    post(f"/disclosures/{d}/decision", {"choice": "file", "route": "patent"})
    filing = post("/filings", {"disclosure_id": d, "filing_type": "patent"}, 201)
    filed_on = made.json()["created_at"][:10]
    post(
        f"/filings/{filing['id']}/submission",
        {"application_number": f"MX/a/{filed_on[:4]}/000001", "filed_on": filed_on},
    )
    return d, str(filing["id"])

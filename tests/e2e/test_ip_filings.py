"""Filings at IMPI and their deadlines over HTTP and Kafka, with the other services running:
enrollment's events teach ip-counsel the inventors' group and its Innovation Committee; the
committee reviews, the inventors decide to file a patent [¶55]; the counsellor drafts and files
it, the inventors draft a PCT filing taken to its grant (financing of the grant fee asked, the
fee paid by the group's ODF); bad input is a 4xx that writes nothing; and the shared clock,
moved past a reminder day and then past the due date, makes the scheduler announce the reminder
and the miss on the broker once each, a tick again on the same day announcing nothing more."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from megp_common.auth import Role
from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver
from megp_common.testing.events import EventTap, distinct

from .ip_counsel_world import Circle, assign_counsellor, disclose, open_review, seed_circle

pytestmark = pytest.mark.e2e

STATE = "23"
PROBLEM = "application/problem+json"
BASE = datetime(2045, 1, 10, 15, tzinfo=UTC)
REMINDED = datetime(2045, 10, 13, 15, tzinfo=UTC)  # the 90-day reminder (12 October) passed
MISSED = datetime(2046, 1, 11, 15, tzinfo=UTC)  # the priority year ended on 10 January


@pytest.fixture(scope="module")
def circle(platform: Platform, tokens: Any) -> Iterator[Circle]:
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=STATE)
    c = seed_circle(drive, platform.processes["ip-counsel"].url, tokens.header, random.Random())
    board = drive.client.get(f"/groups/{c.group_id}/board", headers=drive.staff).json()
    c.extra["odf_id"] = board["odf_id"]
    yield c
    drive.client.close()


def call(c: Circle, method: str, path: str, headers: dict[str, str], expect: int, **kw: Any) -> Any:
    with c.client() as client:
        r = client.request(method, path, headers=headers, **kw)
    assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
    if expect >= 400:
        assert r.headers["content-type"].startswith(PROBLEM)
    return r.json()


def national(c: Circle) -> dict[str, str]:
    return dict(c.as_(Role.PROGRAMME_SUPERVISOR, states=("*",), subject="ip-clock"))


def move_clock(c: Circle, when: datetime) -> None:
    """Set the shared clock (frozen) and wait until ip-counsel lives at that instant."""
    body = {"instant": when.isoformat(), "rewind": True}
    call(c, "PUT", "/admin/clock", national(c), 200, json=body)
    deadline = time.monotonic() + 30
    while datetime.fromisoformat(call(c, "GET", "/admin/clock", c.supervisor, 200)["now"]) != when:
        assert time.monotonic() < deadline, "ip-counsel never saw the clock move"
        time.sleep(0.2)


def decided_for_a_patent(c: Circle) -> str:
    """The committee recommends a patent, the inventors decide to file one [¶55]."""
    d = c.disclosure_id
    review = open_review(c)["review_id"]
    marks = dict.fromkeys(("secrecy", "originality", "excellence", "authenticity", "market_fit"), 4)
    base = f"/disclosures/{d}/reviews/{review}"
    call(c, "POST", f"{base}/scores", c.reviewer(), 200, json={"scores": marks})
    call(c, "POST", f"{base}/outcome", c.reviewer(), 200, json={"recommendation": "patent"})
    decided = call(
        c,
        "POST",
        f"/disclosures/{d}/decision",
        c.inventor(),
        200,
        json={"choice": "file", "route": "patent"},
    )
    assert decided["decision"]["route"] == "patent"
    return str(d)


def filings_of(c: Circle, d: str) -> list[dict[str, Any]]:
    return list(call(c, "GET", f"/filings?disclosure_id={d}", c.supervisor, 200)["items"])


def due(c: Circle, within: int) -> list[dict[str, Any]]:
    path = f"/deadlines?within_days={within}&counsellor_id={c.counsellor_id}"
    return list(call(c, "GET", path, c.supervisor, 200)["items"])


def until(c: Circle, path: str, check: Any, what: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        seen = call(c, "GET", path, c.supervisor, 200)
        if check(seen):
            return dict(seen)
        assert time.monotonic() < deadline, f"{what}: {seen}"
        time.sleep(0.25)


async def test_a_filing_from_the_decision_to_its_deadlines_on_the_shared_clock(
    circle: Circle, infra: Any
) -> None:
    c = circle
    move_clock(c, BASE)
    today = BASE.date().isoformat()
    disclose(c)
    assign_counsellor(c)
    d = c.disclosure_id
    stranger = c.as_(Role.PARTICIPANT, participant_id=c.member)
    elsewhere = c.as_(Role.PARTICIPANT, participant_id=c.inventors[0], states=("14",))
    patent = {"disclosure_id": d, "filing_type": "patent"}

    async with EventTap(infra.kafka, "ip-counsel.events") as tap:
        # no filing before the inventors decided to file as that type [¶55]
        early = call(c, "POST", "/filings", c.inventor(), 409, json=patent)
        assert early["rule"] == "¶55"
        decided_for_a_patent(c)
        refused = call(
            c, "POST", "/filings", c.inventor(), 422, json=patent | {"filing_type": "copyright"}
        )
        assert refused["type"].endswith("unknown-filing-type") and "patent" in refused["known"]
        call(
            c, "POST", "/filings", c.inventor(), 409, json=patent | {"filing_type": "utility_model"}
        )
        call(c, "POST", "/filings", c.inventor(), 422, json=patent | {"route": "abroad"})
        secret = call(
            c, "POST", "/filings", c.inventor(), 422, json=patent | {"filing_type": "trade_secret"}
        )
        assert "not filed" in secret["detail"]
        call(c, "POST", "/filings", c.inventor(), 422, json=patent | {"fee": "1.00"})
        for outsider in (stranger, elsewhere, c.as_(Role.ODF_STAFF), c.reviewer()):
            assert call(c, "POST", "/filings", outsider, 403, json=patent)["status"] == 403
        assert filings_of(c, d) == []  # nothing was written

        # the counsellor drafts and files the national patent
        key = {"Idempotency-Key": f"draft-{d}"}
        drafted = call(c, "POST", "/filings", c.counsellor() | key, 201, json=patent)
        again = call(c, "POST", "/filings", c.counsellor() | key, 201, json=patent)
        assert again == drafted and drafted["status"] == "drafted" and drafted["deadlines"] == []
        f = drafted["id"]
        step = f"/filings/{f}"
        before = call(c, "GET", step, c.supervisor, 200)
        submission = {"application_number": "MX/a/2045/000123", "filed_on": today}
        day_before = (BASE - timedelta(days=1)).date().isoformat()
        tomorrow = (BASE + timedelta(days=1)).date().isoformat()
        bad = call(
            c,
            "POST",
            f"{step}/submission",
            c.counsellor(),
            422,
            json=submission | {"filed_on": day_before},
        )
        assert "before the disclosure" in bad["detail"]
        call(
            c,
            "POST",
            f"{step}/submission",
            c.counsellor(),
            422,
            json=submission | {"filed_on": tomorrow},
        )
        call(
            c,
            "POST",
            f"{step}/submission",
            c.counsellor(),
            422,
            json=submission | {"filed_on": "10/01/2045"},
        )
        out_of_order = call(
            c, "POST", f"{step}/publication", c.counsellor(), 409, json={"on": today}
        )
        assert out_of_order["filing_status"] == "drafted"
        call(c, "POST", f"{step}/submission", stranger, 403, json=submission)
        call(c, "POST", f"{step}/submission", elsewhere, 403, json=submission)
        call(c, "GET", step, c.as_(Role.PROGRAMME_SUPERVISOR, states=("14",)), 403)
        assert call(c, "GET", step, c.supervisor, 200) == before  # nothing was written
        filed = call(c, "POST", f"{step}/submission", c.counsellor(), 200, json=submission)
        assert filed["status"] == "filed" and filed["expires_on"] == "2065-01-10"
        (priority,) = filed["deadlines"]
        assert priority["id"] == "priority" and priority["due_on"] == "2046-01-10"
        assert priority["reminders"] == ["2045-10-12", "2045-12-11", "2046-01-03"]
        assert filed["filing_fee"] == "8500.00" and filed["currency"] == "MXN"
        # its readers are everyone in its state: metadata only, for a member too; a bank
        # reads only its trust funds and its loans, a donor portal only donors' public view
        assert call(c, "GET", step, stranger, 200)["application_number"] == "MX/a/2045/000123"
        call(c, "GET", step, c.as_(Role.PARTNER_BANK, organization="Banorte"), 403)
        call(c, "GET", step, c.as_(Role.DONOR_PORTAL, organization="club"), 403)
        assert [x["id"] for x in filings_of(c, d)] == [f]
        listed = call(
            c,
            "GET",
            f"/filings?group_id={c.group_id}&status=filed&state_code={STATE}",
            c.supervisor,
            200,
        )
        assert [x["id"] for x in listed["items"]] == [f]
        call(c, "GET", "/filings?status=pending", c.supervisor, 422)
        call(c, "GET", "/deadlines?within_days=0", c.supervisor, 422)

        # the inventors' PCT filing, taken to its grant; the grant fee financed and paid
        pct = call(c, "POST", "/filings", c.inventor(1), 201, json=patent | {"route": "pct"})
        g = f"/filings/{pct['id']}"
        call(
            c,
            "POST",
            f"{g}/submission",
            c.inventor(1),
            200,
            json=submission | {"application_number": "PCT/MX2045/000007"},
        )
        for verb in ("publication", "examination", "allowance"):
            call(c, "POST", f"{g}/{verb}", c.inventor(), 200, json={"on": today})
        call(
            c,
            "POST",
            f"{g}/grant",
            c.inventor(),
            409,
            json={"title_number": "MX 500001", "granted_on": today},
        )
        fund = {
            "deadline_id": "grant_fee",
            "source": "competition_fund",
            "purpose": "scientific_technological_research",
        }
        call(c, "POST", f"{g}/financing", c.counsellor(), 403, json=fund)
        call(
            c,
            "POST",
            f"{g}/financing",
            c.inventor(),
            422,
            json=fund | {"purpose": "trade_fairs_sales_promotion"},
        )
        financed = call(c, "POST", f"{g}/financing", c.inventor(), 200, json=fund)
        assert financed["financing"][0]["amount"] == "9000.00"
        odf = c.as_(Role.ODF_STAFF, organization=c.extra["odf_id"])
        fee = {"deadline_id": "grant_fee", "paid_on": today, "amount": "8000.00"}
        short = call(c, "POST", f"{g}/fees", odf, 422, json=fee)
        assert short["amount_due"] == "9000.00"
        call(c, "POST", f"{g}/fees", odf, 422, json=fee | {"amount": 9000.5})
        call(
            c,
            "POST",
            f"{g}/fees",
            c.as_(Role.ODF_STAFF, organization="another-odf"),
            403,
            json=fee | {"amount": "9000.00"},
        )
        paid = call(c, "POST", f"{g}/fees", odf, 200, json=fee | {"amount": "9000.00"})
        assert [(p["paid_by"], p["odf_id"], p["amount"]) for p in paid["payments"]] == [
            ("odf", c.extra["odf_id"], "9000.00")
        ]
        call(
            c,
            "POST",
            f"{g}/grant",
            c.inventor(),
            200,
            json={"title_number": "MX 500001", "granted_on": today},
        )
        in_force = call(c, "POST", f"{g}/in-force", c.counsellor(), 200, json={"on": today})
        assert in_force["status"] == "in_force"
        open_ids = {x["id"] for x in in_force["deadlines"] if x["outcome"] == "open"}
        assert open_ids == {"national_phase", "annuity-2"}

        # the counsellor's next 90 days: nothing yet; the year ahead holds the priority
        assert [x for x in due(c, 90) if x["filing_id"] == f] == []
        ahead = [(x["filing_id"], x["deadline"]["id"]) for x in due(c, 400)]
        assert (f, "priority") in ahead

        # past the 90-day reminder: announced once, also after another tick that day
        move_clock(c, REMINDED)
        until(c, step, lambda x: x["deadlines"][0]["announced"] == ["2045-10-12"], "no reminder")
        soon = [x for x in due(c, 90) if x["filing_id"] == f]
        assert [(x["deadline"]["id"], x["days_left"]) for x in soon] == [("priority", 89)]
        move_clock(c, REMINDED + timedelta(hours=3))
        await asyncio.sleep(2)

        # past the due date: the priority is missed (the filing stands), announced once
        move_clock(c, MISSED)
        missed = until(c, step, lambda x: x["deadlines"][0]["outcome"] == "missed", "no miss")
        assert missed["status"] == "filed" and missed["deadlines"][0]["closed_on"] == "2046-01-11"
        move_clock(c, MISSED + timedelta(hours=1))

        mine = {f, pct["id"]}
        events = distinct(
            await tap.collect(lambda e: e.data.get("filing_id") in mine, expect=18, settle_s=6)
        )
    count = Counter((e.data["filing_id"], e.type) for e in events)
    assert count[(f, "ip_counsel.DeadlineReminderDue")] == 1
    assert count[(f, "ip_counsel.DeadlineMissed")] == 1
    (missed_event,) = [e for e in events if e.type == "ip_counsel.DeadlineMissed"]
    assert missed_event.data["consequence"] == "priority_lost"
    assert missed_event.data["missed_on"] == "2046-01-11"
    (reminder,) = [e for e in events if e.type == "ip_counsel.DeadlineReminderDue"]
    assert reminder.data["reminder_on"] == "2045-10-12" and reminder.data["days_left"] == 89
    p = pct["id"]
    assert count[(p, "ip_counsel.FeeFinancingRequested")] == 1
    assert count[(p, "ip_counsel.FeePaid")] == 1
    assert count[(p, "ip_counsel.DeadlineReminderDue")] == 0
    assert [e.type for e in events if e.data["filing_id"] == f][:3] == [
        "ip_counsel.FilingDrafted",
        "ip_counsel.FilingSubmitted",
        "ip_counsel.DeadlineOpened",
    ]
    assert {e.key for e in events} == {c.group_id}
    asked = next(e for e in events if e.type == "ip_counsel.FeeFinancingRequested")
    assert (asked.data["source"], asked.data["amount"]) == ("competition_fund", "9000.00")

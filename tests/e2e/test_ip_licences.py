"""Licences, royalties and the portfolio against the running platform [¶3, ¶102]: bad licences,
reports and payments are refused (4xx) and write nothing; the inventors and their counsellor
record a licence, a report and two payments (the second leaves nothing due, a third is refused);
each payment is split among the inventors by their shares to the centavo and announced per
inventor on `ip-counsel.events`, and enrollment counts each part once, through the real broker,
in the inventor's open business-plan period. The portfolio counts the licence by sector, state
and programme for supervisors and the counsellor, and refuses the group's ODF staff."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from megp_common.auth import Role
from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver
from megp_common.testing.events import EventTap, distinct
from megp_common.testing.waits import EVENT_WAIT_S

from .ip_counsel_world import (
    Circle,
    assign_counsellor,
    disclose,
    distinctive,
    file_patent,
    seed_circle,
)

pytestmark = pytest.mark.e2e

STATE = "22"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def world(platform: Platform, tokens: Any) -> Iterator[tuple[Circle, Driver]]:
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=STATE)
    c = seed_circle(drive, platform.processes["ip-counsel"].url, tokens.header, random.Random())
    yield c, drive
    drive.client.close()


def call(c: Circle, method: str, path: str, headers: dict[str, str], expect: int, **kw: Any) -> Any:
    with c.client() as client:
        r = client.request(method, path, headers=headers, **kw)
    assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
    if expect >= 400:
        assert r.headers["content-type"].startswith(PROBLEM)
    return r.json()


def licence_body(c: Circle, starts: date, **over: Any) -> dict[str, Any]:
    return {
        "disclosure_id": c.disclosure_id,
        "kind": "licence",
        "licensee": {"name": "Hornos Industriales de Oaxaca", "rfc": "HIO010101AB1"},
        "exclusive": True,
        "territory": ["MX"],
        "field_of_use": "industrial kilns",
        "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(days=5 * 365)).isoformat(),
        "royalty": {"basis": "rate", "percent": "5", "period": "monthly"},
    } | over


def eventually(fetch: Any, timeout_s: float = EVENT_WAIT_S) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        found = fetch()
        if found is not None:
            return found
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.25)


async def test_a_royalty_becomes_the_inventors_period_income(
    world: tuple[Circle, Driver], infra: Any
) -> None:
    c, drive = world
    start = drive.first_of_next_month(drive.today())
    for inventor in c.inventors:
        drive.agree_plan(c.group_id, inventor, start, baseline="1000.00")
    drive.move_clock_to(start + timedelta(days=5))
    disclose(c)
    assign_counsellor(c)
    month_before = (start - timedelta(days=1)).replace(day=1)
    listed = f"/licences?disclosure_id={c.disclosure_id}"

    # -- bad licences: 4xx, nothing written
    good = licence_body(c, month_before)
    bad_rate = good | {"royalty": {"basis": "rate", "percent": "50.5", "period": "monthly"}}
    assert call(c, "POST", "/licences", c.inventor(), 422, json=bad_rate)["field"] == "percent"
    over_100 = good | {"royalty": {"basis": "rate", "percent": "150", "period": "monthly"}}
    call(c, "POST", "/licences", c.inventor(), 422, json=over_100)
    backwards = good | {"ends_on": (month_before - timedelta(days=1)).isoformat()}
    assert call(c, "POST", "/licences", c.inventor(), 422, json=backwards)["field"] == "ends_on"
    no_id = good | {"licensee": {"name": "Sin RFC"}}
    call(c, "POST", "/licences", c.inventor(), 422, json=no_id)
    stranger = c.as_(Role.PARTICIPANT, participant_id=c.member)
    call(c, "POST", "/licences", stranger, 403, json=good)
    call(c, "POST", "/licences", c.as_(Role.ODF_STAFF), 403, json=good)
    for outsider in (Role.COMMITTEE_MEMBER, Role.DONOR_PORTAL, Role.PARTNER_BANK):
        both = c.as_(
            Role.PARTICIPANT, outsider, participant_id=c.inventors[0], subject=f"x-{outsider}"
        )
        refused = call(c, "POST", "/licences", both, 403, json=good)
        # a bank's token is refused before ¶55 is asked: no ip-counsel route is open to banks
        if outsider is Role.PARTNER_BANK:
            assert refused["type"].endswith("/not-this-bank"), refused
        else:
            assert refused["rule"] == "¶55"
    unknown = good | {"disclosure_id": "no-such-disclosure"}
    call(c, "POST", "/licences", c.inventor(), 404, json=unknown)
    call(c, "POST", "/licences/no-such-licence/reports", c.inventor(), 404,
         json={"period_start": month_before.isoformat(), "sales": "1.00"})  # fmt: skip
    assert call(c, "GET", listed, c.supervisor, 200)["items"] == []

    async with EventTap(infra.kafka, "ip-counsel.events") as tap:
        made = call(c, "POST", "/licences", c.inventor(), 201, json=good)
        lid = made["id"]
        assert made["inventors"] == [
            {"participant_id": c.inventors[0], "share": "62.5"},
            {"participant_id": c.inventors[1], "share": "37.5"},
        ]
        # the counsellor records the licensee's report: 5 % of 10,000.01 is 500.0005 -> 500.00
        report = call(
            c, "POST", f"/licences/{lid}/reports", c.counsellor(), 201,
            json={"period_start": month_before.isoformat(), "sales": "10000.01"},
        )  # fmt: skip
        assert (report["due"], report["balance"]) == ("500.00", "500.00")
        rid = report["report_id"]
        again = {"period_start": month_before.isoformat(), "sales": "1.00"}
        call(c, "POST", f"/licences/{lid}/reports", c.inventor(), 409, json=again)
        future = {"period_start": start.isoformat(), "sales": "1.00"}
        call(c, "POST", f"/licences/{lid}/reports", c.inventor(), 422, json=future)
        call(c, "POST", f"/licences/{lid}/reports", stranger, 403, json=again)

        paid_on = (start + timedelta(days=2)).isoformat()
        first_body = {"amount": "300.01", "received_on": paid_on}
        keyed = c.inventor() | {"Idempotency-Key": f"pay-{lid}"}
        first = call(c, "POST", f"/licences/{lid}/reports/{rid}/payments", keyed, 201,
                     json=first_body)  # fmt: skip
        replay = call(c, "POST", f"/licences/{lid}/reports/{rid}/payments", keyed, 201,
                      json=first_body)  # fmt: skip
        assert replay == first
        # 62.5 % of 300.01 is 187.50625, 37.5 % is 112.50375: the odd centavo to the first
        assert [p["amount"] for p in first["parts"]] == ["187.51", "112.50"]
        too_much = {"amount": "200.00", "received_on": paid_on}
        refused = call(c, "POST", f"/licences/{lid}/reports/{rid}/payments", c.inventor(), 422,
                       json=too_much)  # fmt: skip
        assert refused["balance"] == "199.99"
        call(c, "POST", f"/licences/{lid}/reports/no-such-report/payments", c.inventor(), 404,
             json=too_much)  # fmt: skip
        rest = call(c, "POST", f"/licences/{lid}/reports/{rid}/payments", c.counsellor(), 201,
                    json={"amount": "199.99", "received_on": paid_on})  # fmt: skip
        # 124.99375 and 74.99625: this time the second has the larger remainder
        assert [p["amount"] for p in rest["parts"]] == ["124.99", "75.00"]
        read = call(c, "GET", f"/licences/{lid}", c.supervisor, 200)
        (kept,) = read["reports"]  # the refused reports wrote nothing
        assert (kept["paid"], kept["balance"]) == ("500.00", "0.00")
        assert [p["amount"] for p in kept["payments"]] == ["300.01", "199.99"]  # nor the refused
        events = distinct(await tap.collect(lambda e: e.data.get("licence_id") == lid, expect=6))
    assert [e.type for e in events] == [
        "ip_counsel.LicenceGranted",
        "ip_counsel.RoyaltyReported",
        *["ip_counsel.RoyaltyReceived"] * 4,
    ]
    received = [e for e in events if e.type == "ip_counsel.RoyaltyReceived"]
    assert {e.key for e in received} == {c.group_id}
    assert [(e.data["participant_id"], e.data["amount"]) for e in received] == [
        (c.inventors[0], "187.51"),
        (c.inventors[1], "112.50"),
        (c.inventors[0], "124.99"),
        (c.inventors[1], "75.00"),
    ]
    text = json.dumps([e.envelope for e in events], ensure_ascii=False)
    assert not [w for w in distinctive(c.words) if w in text]

    # -- enrollment counted each part once in the inventor's open period
    period_url = f"/groups/{c.group_id}/periods/{start.isoformat()}"
    ids = {e.envelope["id"] for e in received}

    def counted() -> dict[str, Any] | None:
        r = drive.client.get(period_url, headers=drive.staff)
        if r.status_code != 200:
            return None
        body: dict[str, Any] = r.json()
        seen = {s["sale_id"] for m in body["members"] for s in m["sales_counted"]}
        return body if ids <= seen else None

    period = eventually(counted)
    rows = {m["participant_id"]: m for m in period["members"]}
    assert rows[c.inventors[0]]["sales"] == "312.50"
    assert rows[c.inventors[1]]["sales"] == "187.50"
    sources = {s["source"] for i in c.inventors for s in rows[i]["sales_counted"]}
    assert sources == {"royalty"}
    assert len(rows[c.inventors[0]]["sales_counted"]) == 2  # once each, the replay made none


def test_the_portfolio_counts_by_sector_state_and_programme(
    world: tuple[Circle, Driver],
) -> None:
    c, _ = world
    assert c.disclosure_id, "runs after the licence test"
    file_patent(c)  # a second disclosure of the inventors, filed as a patent
    by_sector = call(c, "GET", "/portfolio?by=sector", c.supervisor, 200)
    assert by_sector["filings_counted"] is True
    (row,) = [r for r in by_sector["rows"] if r["key"] == "construction"]
    assert row["disclosures"] >= 1 and row["licences"] >= 1
    assert row["disclosures"] >= 2 and row["filings"] >= 1
    assert 0 <= row["grants"] <= row["filings"] and row["lapses"] == 0
    (state,) = call(c, "GET", "/portfolio?by=state", c.supervisor, 200)["rows"]
    assert state["key"] == STATE
    programmes = call(c, "GET", "/portfolio?by=programme", c.supervisor, 200)["rows"]
    assert "inventors" in {r["key"] for r in programmes}
    mine = call(c, "GET", "/portfolio?by=sector", c.counsellor(), 200)["rows"]
    assert [(r["key"], r["disclosures"], r["licences"]) for r in mine] == [("construction", 1, 1)]
    call(c, "GET", "/portfolio?by=sector", c.as_(Role.ODF_STAFF), 403)
    call(c, "GET", "/portfolio?by=sector", c.inventor(), 403)
    call(c, "GET", "/portfolio?by=colour", c.supervisor, 422)

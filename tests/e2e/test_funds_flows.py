"""The funds service as its own process, on the real broker and store: the chains of issue 4."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from megp_common.auth import Role
from megp_common.ids import new_id
from megp_common.launcher import Platform
from megp_common.mongo import unpack, unpacked

from .test_funds_support import (
    STATE,
    Group,
    eventually,
    far_future,
    funds_events,
    publish,
    set_clock,
)

pytestmark = pytest.mark.e2e


def _h(tokens, role: Role, pid: str | None = None, key: str | None = None, **claims):  # type: ignore[no-untyped-def]
    extra = {"participant_id": pid} if pid else {}
    headers = tokens.header(role, states=(STATE,), subject=f"s-{role.value}", **extra, **claims)
    if key:
        headers["Idempotency-Key"] = key
    return headers


def _open(platform: Platform, tokens, group: Group, at) -> str:  # type: ignore[no-untyped-def]
    url = platform.processes["funds"].url
    set_clock(url, tokens, at)
    publish(platform_kafka(), "enrollment.events", group.formed(at))

    def opened() -> bool:
        resp = httpx.get(
            f"{url}/v1/funds/{group.group_id}", headers=_h(tokens, Role.PROGRAMME_SUPERVISOR)
        )
        return resp.status_code == 200 and resp.json()["board_representatives"] == [group.rep]

    eventually(opened)
    return url


def platform_kafka() -> str:
    import os

    return os.environ["KAFKA_BOOTSTRAP_SERVERS"]


def test_group_formed_fund_opened_deposits_and_third_month_closed(platform, tokens, infra) -> None:  # type: ignore[no-untyped-def]
    group, start = Group(), far_future()
    url = _open(platform, tokens, group, start)
    staff = _h(tokens, Role.ODF_STAFF, key=f"sheet-{new_id()}")
    sheet = {"deposits": [{"participant_id": p, "amount": "100.01"} for p in group.members]}
    first = httpx.post(f"{url}/v1/funds/{group.group_id}/deposit-sheets", json=sheet, headers=staff)
    assert first.status_code == 201, first.text
    again = httpx.post(f"{url}/v1/funds/{group.group_id}/deposit-sheets", json=sheet, headers=staff)
    assert again.status_code == 201 and again.json() == first.json()  # replayed, not re-posted
    entry = first.json()
    assert len([ln for ln in entry["lines"] if ln["participant_id"]]) == 6  # 2 lines per member

    obligation = group.period_closed(group.members[0], "80.00", start.date(), start)
    publish(platform_kafka(), "enrollment.events", [obligation])
    read = _h(tokens, Role.PROGRAMME_SUPERVISOR)
    eventually(
        lambda: httpx.get(f"{url}/v1/funds/{group.group_id}/obligations", headers=read).json()
    )
    pay = {"participant_id": group.members[0], "amount": "50"}
    paid = httpx.post(
        f"{url}/v1/funds/{group.group_id}/deposits",
        json=pay,
        headers=_h(tokens, Role.ODF_STAFF, key=f"dep-{new_id()}"),
    )
    assert paid.status_code == 201, paid.text
    owed = httpx.get(f"{url}/v1/funds/{group.group_id}/obligations", headers=read).json()
    assert [o["outstanding"] for o in owed] == ["30.00"]

    statement = httpx.get(f"{url}/v1/funds/{group.group_id}/statement", headers=read).json()
    assert statement["trust_cash"] == "350.03"
    assert statement["development_subfund"] == "175.02"  # the odd centavo
    assert statement["competition_subfund"] == "175.01"

    set_clock(url, tokens, start + timedelta(days=92))
    found = funds_events(
        platform_kafka(),
        group.group_id,
        {
            "FundOpened",
            "InflowRecorded",
            "DepositObligationsCreated",
            "DepositObligationsSettled",
            "FundInitialPeriodClosed",
        },
    )
    closed = [e for e in found if e.type == "funds.FundInitialPeriodClosed"]
    assert len(closed) == 1
    assert Decimal(closed[0].data["total_deposited"]) == Decimal("350.03")
    assert all(e.state == STATE for e in found)
    overdue = httpx.get(
        f"{url}/v1/funds/{group.group_id}/obligations?overdue=true", headers=read
    ).json()
    assert [o["obligation_id"] for o in overdue] == [owed[0]["obligation_id"]]

    # the rest settles it: it leaves the fund document for the archive and stays listed in full
    rest = {"participant_id": group.members[0], "amount": "30"}
    paid = httpx.post(
        f"{url}/v1/funds/{group.group_id}/deposits",
        json=rest,
        headers=_h(tokens, Role.ODF_STAFF, key=f"dep-{new_id()}"),
    )
    assert paid.status_code == 201, paid.text
    listing = f"{url}/v1/funds/{group.group_id}/obligations"
    assert httpx.get(listing, params={"status": "open"}, headers=read).json() == []

    from pymongo import MongoClient

    with MongoClient(infra.mongo, tz_aware=True) as client:
        db = client["megp_funds"]
        oid = owed[0]["obligation_id"]
        month = f"{group.group_id}:{owed[0]['period_start'][:7]}"

        def archived() -> bool:
            codec = db["funds"].codec_options
            raw = db["funds"].find_one({"_id": group.group_id}) or {}
            doc = unpacked(raw, codec, ["archive_pending"])
            # open obligations live beside the fund (fund_parts), changes waiting in the fund
            parts = db["fund_parts"].find_one({"_id": group.group_id}) or {}
            held = unpack(parts["obligations"], codec) if "obligations" in parts else {}
            stored = (db["obligation_archive"].find_one({"_id": month}) or {}).get("items", {})
            return (
                not doc.get("archive_pending")
                and not doc.get("parts_pending")
                and oid not in held
                and oid in stored
            )

        eventually(archived)
    rows = httpx.get(listing, headers=read).json()
    assert [(o["obligation_id"], o["settled"], o["outstanding"]) for o in rows] == [
        (oid, "80.00", "0.00")
    ]


def test_competition_spending_is_decided_by_the_board_only(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    group = Group()
    url = _open(platform, tokens, group, far_future(1))
    grant = {"donor": "Fundación", "source": "national", "amount": "1000"}
    donor = _h(tokens, Role.PROGRAMME_SUPERVISOR, key=f"g-{new_id()}")
    assert (
        httpx.post(
            f"{url}/v1/funds/{group.group_id}/contributions", json=grant, headers=donor
        ).status_code
        == 201
    )
    spend = {"purpose": "market_studies", "amount": "200", "payee": "X", "description": "study"}
    path = f"{url}/v1/funds/{group.group_id}/competition-spends"
    stranger = httpx.post(
        path,
        json=spend,
        headers=_h(tokens, Role.BOARD_REPRESENTATIVE, group.members[1], key=f"s-{new_id()}"),
    )
    assert stranger.status_code == 403 and "¶55" in stranger.json()["detail"]
    committee = httpx.post(path, json=spend, headers=_h(tokens, Role.COMMITTEE_MEMBER, key="c1"))
    assert committee.status_code == 403
    bad = httpx.post(
        path,
        json=spend | {"purpose": "party"},
        headers=_h(tokens, Role.BOARD_REPRESENTATIVE, group.rep, key=f"s-{new_id()}"),
    )
    assert bad.status_code == 422 and bad.json()["rule"] == "¶72"
    no_key = httpx.post(path, json=spend, headers=_h(tokens, Role.BOARD_REPRESENTATIVE, group.rep))
    assert no_key.status_code == 428
    ok = httpx.post(
        path,
        json=spend,
        headers=_h(tokens, Role.BOARD_REPRESENTATIVE, group.rep, key=f"s-{new_id()}"),
    )
    assert ok.status_code == 201, ok.text
    read = _h(tokens, Role.PROGRAMME_SUPERVISOR)
    statement = httpx.get(f"{url}/v1/funds/{group.group_id}/statement", headers=read).json()
    assert statement["competition_subfund"] == "300.00"
    journal = httpx.get(f"{url}/v1/funds/{group.group_id}/journal", headers=read).json()
    assert [e["kind"] for e in journal["items"]] == ["grant", "competition_spend"]


def test_instalment_due_paid_from_the_fund_replenished_failed_and_noticed(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    group, start = Group(), far_future(2)
    url = _open(platform, tokens, group, start)
    grant = {
        "donor": "Club",
        "source": "immigrant_association",
        "amount": "100",
        "currency": "USD",
        "exchange_rate": "20",
    }
    resp = httpx.post(
        f"{url}/v1/funds/{group.group_id}/contributions",
        json=grant,
        headers=_h(tokens, Role.PROGRAMME_SUPERVISOR, key=f"g-{new_id()}"),
    )
    assert resp.status_code == 201, resp.text
    loan = f"loan-{new_id()}"
    dues = [
        group.instalment(loan, 1, "1500", start.date(), start),
        group.instalment(loan, 2, "900", start.date(), start),  # only 500 left: not paid
    ]
    publish(platform_kafka(), "credit.events", dues + dues)  # announced twice
    found = funds_events(
        platform_kafka(), group.group_id, {"FundRepaymentMade", "FundRepaymentFailed"}
    )
    made = [e for e in found if e.type == "funds.FundRepaymentMade"]
    assert len(made) == 1 and made[0].data["paid_from"] == {
        "development": "500.00",
        "competition": "1000.00",
    }
    assert len([e for e in found if e.type == "funds.FundRepaymentFailed"]) == 1

    back = {"borrower_id": group.members[1], "amount": "600"}
    staff = _h(tokens, Role.ODF_STAFF, key=f"r-{new_id()}")
    assert (
        httpx.post(
            f"{url}/v1/funds/{group.group_id}/replenishments", json=back, headers=staff
        ).status_code
        == 201
    )
    read = _h(tokens, Role.PROGRAMME_SUPERVISOR)
    debts = httpx.get(f"{url}/v1/funds/{group.group_id}/debts", headers=read).json()
    assert debts[0]["owed"] == "900.00"

    set_clock(url, tokens, start + timedelta(days=31))
    notices = eventually(
        lambda: httpx.get(f"{url}/v1/funds/{group.group_id}/notices", headers=read).json()
    )
    assert notices[0]["owed"] == "900.00" and notices[0]["borrower_id"] == group.members[1]
    found = funds_events(platform_kafka(), group.group_id, {"NonFulfillmentNoticeIssued"})
    assert any(e.type == "funds.NonFulfillmentNoticeIssued" for e in found)

    check = httpx.get(f"{url}/v1/funds/{group.group_id}/ledger-check", headers=read).json()
    assert check["consistent"], check


def test_each_obligation_of_a_group_closing_names_its_own_cause(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    """The members' BusinessPeriodClosed events of one closing may be applied as a run (one
    read and one write of the fund); every obligation announced is still caused by its own
    member's event."""
    group, start = Group(), far_future(9)
    url = _open(platform, tokens, group, start)
    read = _h(tokens, Role.PROGRAMME_SUPERVISOR)
    base = f"{url}/v1/funds/{group.group_id}"
    closings = [group.period_closed(m, "25.00", start.date(), start) for m in group.members * 2]
    publish(platform_kafka(), "enrollment.events", closings)
    eventually(lambda: len(httpx.get(f"{base}/obligations", headers=read).json()) == len(closings))
    found = funds_events(platform_kafka(), group.group_id, {"DepositObligationsCreated"})
    created = [e for e in found if e.type == "funds.DepositObligationsCreated"]
    cause = {c.data["result"]["result_id"]: c.id for c in closings}
    assert len(created) == len(closings)  # one member's result: one event each
    assert all(len(e.data["obligations"]) == 1 for e in created)
    assert all(e.causationid == cause[e.data["obligations"][0]["obligation_id"]] for e in created)
    chain = {c.id: c.correlationid for c in closings}
    assert all(e.correlationid == chain[e.causationid] for e in created)

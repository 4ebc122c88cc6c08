"""Collective purchasing over HTTP and Kafka [¶30, ¶69]: the group's ODF opens a round (trade
learnt the group from enrollment's events), members state and revise their demand, the staff
record a supplier's quote, close the round once the shared clock reaches its closing date and
choose the quote; every member's cost share is exact to the centavo and the shares sum to the
total; the refusals (late demand, a committee member or a supplier choosing [¶55], another
state, bad quantities, no Idempotency-Key) and the round's events on the broker."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from megp_common.auth import Role
from megp_common.bus import KafkaBus, OutgoingRecord
from megp_common.contracts import enrollment as enr
from megp_common.contracts import funds as fnd
from megp_common.events import EventPayload, make_event
from megp_common.launcher import Platform, ServiceProcess
from megp_common.testing.events import EventTap, distinct
from megp_common.testing.keys import UNKEYED, keyed

from .test_trade_orders import STATE, Trade, formed_group, uid

pytestmark = pytest.mark.e2e

ROUNDS = "/purchasing-rounds"
STAFF = (Role.ODF_STAFF,)
NATIONAL = {"states": ("*",)}


@pytest.fixture
def trade(platform: Platform, tokens: Any) -> Trade:
    return Trade(platform, tokens)


def now_of(trade: Trade) -> datetime:
    clock = trade.call("GET", "/admin/clock", Role.PROGRAMME_SUPERVISOR, claims=NATIONAL)
    return datetime.fromisoformat(clock["now"])


def open_round(trade: Trade, g: dict[str, str], closes_at: datetime) -> Any:
    """Open once trade has learnt the group (a 404 until the event is consumed)."""
    body = {
        "group_ids": [g["group"]],
        "item": "lana cardada",
        "kind": "raw_material",
        "unit": "kg",
        "closes_at": closes_at.isoformat(),
    }
    deadline = time.monotonic() + 30
    while True:
        response = httpx.post(
            f"{trade.url}/v1{ROUNDS}",
            json=body,
            headers=keyed("POST", trade.headers(*STAFF, subject=f"staff-{g['odf']}")),
            timeout=30,
        )
        if response.status_code != 404:
            assert response.status_code == 201, response.text
            return response.json()
        assert time.monotonic() < deadline, response.text
        time.sleep(0.3)


def demand(trade: Trade, rid: str, g: dict[str, str], who: str, quantity: Any, **kw: Any) -> Any:
    body = {"participant_id": who, "group_id": g["group"], "quantity": quantity}
    claims = kw.pop("claims", {"subject": who, "participant_id": who})
    roles = kw.pop("roles", (Role.PARTICIPANT,))
    return trade.call("POST", f"{ROUNDS}/{rid}/demands", *roles, json=body, claims=claims, **kw)


QUOTE = {
    "supplier_id": "hilanderia-norte",
    "supplier_name": "Hilandería del Norte SA",
    "tiers": [
        {"min_quantity": 1, "unit_price": "12.3333"},
        {"min_quantity": 10, "unit_price": "10.0001"},
    ],
    "delivery_charge": "45.67",
}


async def test_a_round_pools_demand_and_splits_the_cost_to_the_centavo(
    trade: Trade, infra: Any
) -> None:
    g = await formed_group(infra, trade)
    rep, weaver, potter = g["rep"], g["weaver"], g["potter"]
    start = now_of(trade)
    closes_at = start + timedelta(hours=2)
    async with EventTap(infra.kafka, "trade.events") as tap:
        rnd = open_round(trade, g, closes_at)
        rid = rnd["id"]
        assert rnd["status"] == "open" and rnd["odf_ids"] == [g["odf"]] and rnd["state"] == STATE
        # members state their own demand; the ODF's staff may state it for them
        demand(trade, rid, g, weaver, 4)
        demand(trade, rid, g, potter, 5)
        demand(trade, rid, g, rep, 1, roles=STAFF, claims={"subject": "staff"})
        revised = demand(trade, rid, g, weaver, 7)  # a revision replaces the quantity
        assert {d["participant_id"]: d["quantity"] for d in revised["demands"]} == {
            weaver: 7,
            potter: 5,
            rep: 1,
        }
        # nobody else speaks for a member
        other = demand(trade, rid, g, potter, 9, claims={"subject": weaver}, expect=403)
        assert other["status"] == 403
        quoted = trade.call("POST", f"{ROUNDS}/{rid}/quotes", *STAFF, expect=201, json=QUOTE)
        quote_id = quoted["quotes"][0]["quote_id"]
        assert quoted["quotes"][0]["tiers"][1]["unit_price"] == "10.0001"
        # closing waits for the closing date (members were promised until then)
        early = trade.call("POST", f"{ROUNDS}/{rid}/closing", *STAFF, expect=409)
        assert "until" in early["detail"]

        trade.call(
            "PUT",
            "/admin/clock",
            Role.PROGRAMME_SUPERVISOR,
            json={"instant": (closes_at + timedelta(minutes=1)).isoformat()},
            claims=NATIONAL,
        )
        deadline = time.monotonic() + 30
        while now_of(trade) < closes_at:
            assert time.monotonic() < deadline, "trade never saw the clock move"
            await asyncio.sleep(0.2)
        # after its closing date the round takes no demand (409), closed or not
        late = demand(trade, rid, g, potter, 6, expect=409)
        assert late["rule"] == "¶69"
        # the staff's closing and the scheduler's: whichever comes first closes it, once
        closed = trade.call("POST", f"{ROUNDS}/{rid}/closing", *STAFF)
        assert closed["status"] == "closed" and closed["pooled_quantity"] == 13
        demand(trade, rid, g, potter, 6, expect=409)
        again = trade.call("POST", f"{ROUNDS}/{rid}/closing", *STAFF)  # answered as it is
        assert again["version"] == closed["version"] and again["closed_at"] == closed["closed_at"]

        choice = {"quote_id": quote_id, "group_id": g["group"]}
        # [¶55]: a committee member (alone or with the staff's hat) and the supplier never choose
        for roles, claims in (
            ((Role.COMMITTEE_MEMBER,), {"subject": "committee"}),
            ((Role.ODF_STAFF, Role.COMMITTEE_MEMBER), {"subject": "staff"}),
            ((Role.ODF_STAFF,), {"subject": "s", "organization": QUOTE["supplier_id"]}),
            ((Role.PARTICIPANT,), {"subject": QUOTE["supplier_id"]}),
        ):
            refused = trade.call(
                "POST", f"{ROUNDS}/{rid}/choice", *roles, expect=403, json=choice, claims=claims
            )
            assert refused["rule"] == "¶55", (roles, refused)
        assert trade.call("GET", f"{ROUNDS}/{rid}", Role.PARTICIPANT)["status"] == "closed"

        key = {"Idempotency-Key": uid("choice")}
        chosen = trade.call("POST", f"{ROUNDS}/{rid}/choice", *STAFF, json=choice, headers=key)
        again = trade.call("POST", f"{ROUNDS}/{rid}/choice", *STAFF, json=choice, headers=key)
        assert chosen == again  # the replayed answer
        # 13 kg at the 10-kg tier: 10.0001 x 13 = 130.0013 -> 130.00, plus 45.67 delivery
        assert chosen["status"] == "allocated" and chosen["total"] == "175.67"
        shares = {a["participant_id"]: a["cost_share"] for a in chosen["allocations"]}
        # 17567 centavos pro rata of 7, 5 and 1 (of 13): floors 9459, 6756, 1351 leave one
        # centavo, which goes to the largest remainder (5 x 17567 mod 13 = 7): the potter's
        assert shares == {weaver: "94.59", potter: "67.57", rep: "13.51"}
        assert sum(Decimal(s) for s in shares.values()) == Decimal(chosen["total"])
        read = trade.call("GET", f"{ROUNDS}/{rid}", Role.PARTICIPANT)
        assert read["allocations"] == chosen["allocations"]
        savings = trade.call("GET", f"{ROUNDS}/{rid}/savings", Role.PARTICIPANT)
        # alone: 7 x 12.3333 = 86.33 + 45.67; 5 x 12.3333 = 61.67 + 45.67; 12.33 + 45.67
        alone = {m["participant_id"]: m["alone_cost"] for m in savings["members"]}
        assert alone == {weaver: "132.00", potter: "107.34", rep: "58.00"}
        assert (savings["pooled_cost"], savings["alone_cost"], savings["saving"]) == (
            "175.67",
            "297.34",
            "121.67",
        )
        trade.call("POST", f"{ROUNDS}/{rid}/choice", *STAFF, expect=409, json=choice)
        trade.call("POST", f"{ROUNDS}/{rid}/quotes", *STAFF, expect=409, json=QUOTE)

        copies = await tap.collect(lambda e: e.data.get("round_id") == rid, expect=6)
    events = distinct(copies)
    kinds = sorted(e.type.removeprefix("trade.") for e in events)
    assert kinds == sorted(
        ["PurchasingRoundOpened", "PurchasingRoundClosed", "QuoteChosen"]
        + ["PurchaseAllocated"] * 3
    ), kinds
    assert {e.key for e in events} == {rid}
    allocated = {
        e.data["participant_id"]: e.data["cost_share"]
        for e in events
        if e.type == "trade.PurchaseAllocated"
    }
    assert allocated == shares
    chosen_event = next(e for e in events if e.type == "trade.QuoteChosen")
    assert chosen_event.data["unit_price"] == "10.0001"
    assert chosen_event.data["decided_as"] == "staff"


async def test_bad_round_requests_are_refused_and_write_nothing(trade: Trade, infra: Any) -> None:
    g = await formed_group(infra, trade)
    rnd = open_round(trade, g, now_of(trade) + timedelta(days=7))
    rid = rnd["id"]
    demand(trade, rid, g, g["weaver"], 3)

    def state() -> Any:
        found = trade.call("GET", f"{ROUNDS}/{rid}", Role.PARTICIPANT)
        return found["version"], found["demands"], found["quotes"]

    before = state()
    for quantity in (0, -1, "4", 2.5, True, None, 10**9):
        refused = demand(trade, rid, g, g["potter"], quantity, expect=422)
        assert refused["errors"][0]["loc"][-1] == "quantity", refused
    # a stranger to the group states nothing
    stranger = uid("stranger")
    demand(trade, rid, g, stranger, 2, expect=422)
    # the staff of another state neither read nor write the round
    elsewhere = {"subject": "staff-09", "states": ("09",)}
    trade.call("GET", f"{ROUNDS}/{rid}", Role.PARTICIPANT, expect=403, claims=elsewhere)
    trade.call("POST", f"{ROUNDS}/{rid}/quotes", *STAFF, expect=403, json=QUOTE, claims=elsewhere)
    demand(trade, rid, g, g["potter"], 2, roles=STAFF, claims=elsewhere, expect=403)
    opened = trade.call(
        "POST",
        ROUNDS,
        *STAFF,
        expect=403,
        json={
            "group_ids": [g["group"]],
            "item": "lana",
            "kind": "raw_material",
            "unit": "kg",
            "closes_at": (now_of(trade) + timedelta(days=3)).isoformat(),
        },
        claims=elsewhere,
    )
    assert opened["status"] == 403
    # quotes: a tier that raises the price, five decimals, a committee company's terms claimed
    # by a supplier on no participating committee
    for bad in (
        {
            "tiers": [
                {"min_quantity": 1, "unit_price": "9.00"},
                {"min_quantity": 5, "unit_price": "9.50"},
            ]
        },
        {"tiers": [{"min_quantity": 1, "unit_price": "9.00001"}]},
        {"tiers": []},
        {"major_client_terms": True},
    ):
        trade.call("POST", f"{ROUNDS}/{rid}/quotes", *STAFF, expect=422, json=QUOTE | bad)
    # a quote is chosen only once the round closed
    quoted = trade.call("POST", f"{ROUNDS}/{rid}/quotes", *STAFF, expect=201, json=QUOTE)
    before = state()
    quote_id = quoted["quotes"][0]["quote_id"]
    trade.call(
        "POST",
        f"{ROUNDS}/{rid}/choice",
        *STAFF,
        expect=409,
        json={"quote_id": quote_id, "group_id": g["group"]},
    )
    trade.call("GET", f"{ROUNDS}/{rid}/savings", Role.PARTICIPANT, expect=409)
    # every POST wants its Idempotency-Key (428 without)
    for path, body in (
        (ROUNDS, {}),
        (
            f"{ROUNDS}/{rid}/demands",
            {"participant_id": g["potter"], "group_id": g["group"], "quantity": 1},
        ),
        (f"{ROUNDS}/{rid}/closing", None),
        (f"{ROUNDS}/{rid}/quotes", QUOTE),
        (f"{ROUNDS}/{rid}/choice", {"quote_id": quote_id, "group_id": g["group"]}),
    ):
        trade.call("POST", path, *STAFF, expect=428, json=body, headers=UNKEYED)
    trade.call("GET", f"{ROUNDS}/{uid('nothing')}", Role.PARTICIPANT, expect=404)
    assert state() == before


# -- the scheduler, withdrawals, the list, paying and financing --------------------------------


def move_clock(trade: Trade, to: datetime) -> None:
    trade.call(
        "PUT",
        "/admin/clock",
        Role.PROGRAMME_SUPERVISOR,
        json={"instant": to.isoformat()},
        claims=NATIONAL,
    )


async def until_round(trade: Trade, rid: str, status: str, timeout_s: float = 30) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        found = trade.call("GET", f"{ROUNDS}/{rid}", Role.PARTICIPANT)
        if found["status"] == status:
            return found
        assert time.monotonic() < deadline, found
        await asyncio.sleep(0.2)


async def with_credit_line(infra: Any, g: dict[str, str]) -> None:
    """What credit needs to lend to the group's ODF: its board and a line (from the fund's
    first three months), published as enrollment and funds would."""
    now = datetime.now(UTC)
    await publish_to(
        infra.kafka,
        "enrollment.events",
        g["group"],
        enr.BoardChanged(
            group_id=g["group"],
            odf_id=g["odf"],
            representative_participant_ids=[g["rep"]],
            special_members=[],
            changed_at=now,
        ),
    )
    await publish_to(
        infra.kafka,
        "funds.events",
        g["group"],
        fnd.FundInitialPeriodClosed(
            fund_id=g["group"],
            group_id=g["group"],
            state_code=STATE,
            odf_id=g["odf"],
            period_start=date(2030, 1, 1),
            period_end=date(2030, 3, 31),
            total_deposited=Decimal("5000.00"),
            other_inflows=Decimal("0"),
            closed_at=now,
        ),
    )


async def publish_to(kafka: str, topic: str, key: str, *payloads: EventPayload) -> None:
    bus = KafkaBus(kafka, service="e2e-test")
    await bus.start()
    try:
        await bus.publish_many(
            [
                OutgoingRecord(
                    topic,
                    key,
                    make_event(
                        p, source="/megp/e2e", key=key, time=datetime.now(UTC), state=STATE
                    ).to_json(),
                    p.event_type,
                )
                for p in payloads
            ]
        )
    finally:
        await bus.stop()


def credit_call(
    platform: Platform,
    tokens: Any,
    method: str,
    path: str,
    *roles: Role,
    expect: int = 200,
    **kw: Any,
) -> Any:
    claims = {"states": (STATE,)} | kw.pop("claims", {})
    headers = keyed(method, tokens.header(*roles, **claims) | kw.pop("headers", {}))
    url = platform.processes["credit"].url
    response = httpx.request(method, f"{url}/v1{path}", headers=headers, timeout=30, **kw)
    assert response.status_code == expect, response.text
    return response.json()


def credit_eventually(platform: Platform, tokens: Any, path: str, timeout_s: float = 30) -> Any:
    """What credit answers once it consumed the events that make `path` exist."""
    deadline = time.monotonic() + timeout_s
    url = f"{platform.processes['credit'].url}/v1{path}"
    while True:
        found = httpx.get(url, headers=tokens.header(Role.PROGRAMME_SUPERVISOR), timeout=30)
        if found.status_code == 200:
            return found.json()
        assert time.monotonic() < deadline, found.text
        time.sleep(0.3)


async def test_the_scheduler_closes_members_pay_and_the_odf_asks_credit_to_finance(
    trade: Trade, infra: Any, platform: Platform, tokens: Any
) -> None:
    g = await formed_group(infra, trade)
    await with_credit_line(infra, g)
    rep, weaver, potter = g["rep"], g["weaver"], g["potter"]
    closes_at = now_of(trade) + timedelta(hours=2)
    async with EventTap(infra.kafka, "trade.events") as tap:
        rid = open_round(trade, g, closes_at)["id"]
        demand(trade, rid, g, weaver, 7)
        demand(trade, rid, g, potter, 2)
        demand(trade, rid, g, rep, 1, roles=STAFF, claims={"subject": "staff"})

        # withdrawing: the member themself (or their ODF's staff), before the closing date
        withdrawal = f"{ROUNDS}/{rid}/demands/{potter}/withdrawal"
        trade.call("POST", withdrawal, Role.PARTICIPANT, expect=403, claims={"subject": weaver})
        left = trade.call(
            "POST",
            withdrawal,
            Role.PARTICIPANT,
            claims={"subject": potter, "participant_id": potter},
        )
        assert {d["participant_id"] for d in left["demands"]} == {weaver, rep}
        trade.call("POST", withdrawal, Role.PARTICIPANT, expect=404, claims={"subject": potter})
        demand(trade, rid, g, potter, 5)  # stated again while the round is open

        # the list: by group, state and status, bounded, scoped to the caller's states
        mine = trade.call("GET", f"{ROUNDS}?group_id={g['group']}", Role.PARTICIPANT)
        assert [r["id"] for r in mine] == [rid]
        assert trade.call("GET", f"{ROUNDS}?group_id={g['group']}&status=closed", *STAFF) == []
        of_state = trade.call("GET", f"{ROUNDS}?state={STATE}&status=open&limit=200", *STAFF)
        assert rid in {r["id"] for r in of_state}
        elsewhere = {"states": ("09",)}
        trade.call("GET", f"{ROUNDS}?state={STATE}", *STAFF, expect=403, claims=elsewhere)
        trade.call("GET", f"{ROUNDS}?group_id={g['group']}", *STAFF, expect=403, claims=elsewhere)
        assert rid not in {r["id"] for r in trade.call("GET", ROUNDS, *STAFF, claims=elsewhere)}
        for bad in ("limit=0", "limit=201", "limit=x", "status=gone", "state=99", "group_id="):
            trade.call("GET", f"{ROUNDS}?{bad}", *STAFF, expect=422)

        quote_id = trade.call("POST", f"{ROUNDS}/{rid}/quotes", *STAFF, expect=201, json=QUOTE)[
            "quotes"
        ][0]["quote_id"]
        # the scheduler closes the round when the shared clock passes its date: nobody asks
        move_clock(trade, closes_at + timedelta(minutes=1))
        closed = await until_round(trade, rid, "closed")
        assert closed["pooled_quantity"] == 13
        trade.call("POST", withdrawal, Role.PARTICIPANT, expect=409, claims={"subject": potter})
        staff_close = trade.call("POST", f"{ROUNDS}/{rid}/closing", *STAFF)  # stays: as it is
        assert staff_close["version"] == closed["version"]
        trade.call(
            "POST", f"{ROUNDS}/{rid}/financing", *STAFF, expect=422, claims={"subject": "s"}
        )  # no shares before the choice
        chosen = trade.call(
            "POST",
            f"{ROUNDS}/{rid}/choice",
            *STAFF,
            json={"quote_id": quote_id, "group_id": g["group"]},
        )
        shares = {a["participant_id"]: a["cost_share"] for a in chosen["allocations"]}
        assert shares == {weaver: "94.59", potter: "67.57", rep: "13.51"}
        assert chosen["unpaid"] == "175.67" and chosen["deciding_group_id"] == g["group"]

        # paying: the exact share, by the member or their ODF's staff, once
        pay = f"{ROUNDS}/{rid}/allocations/{weaver}/payment"
        as_weaver = {"subject": weaver, "participant_id": weaver}
        for wrong in ("94.58", "94.60", "175.67"):
            refused = trade.call(
                "POST", pay, Role.PARTICIPANT, expect=422, json={"amount": wrong}, claims=as_weaver
            )
            assert refused["cost_share"] == "94.59" and refused["rule"] == "¶69", refused
        trade.call(
            "POST",
            pay,
            Role.PARTICIPANT,
            expect=403,
            json={"amount": "94.59"},
            claims={"subject": potter},
        )
        trade.call(
            "POST",
            pay,
            *STAFF,
            expect=403,
            json={"amount": "94.59"},
            claims={"states": ("09",)},
        )
        key = {"Idempotency-Key": uid("share")}
        paid = trade.call(
            "POST", pay, Role.PARTICIPANT, json={"amount": "94.59"}, claims=as_weaver, headers=key
        )
        replay = trade.call(
            "POST", pay, Role.PARTICIPANT, json={"amount": "94.59"}, claims=as_weaver, headers=key
        )
        assert paid == replay and paid["unpaid"] == "81.08"
        mine_paid = next(a for a in paid["allocations"] if a["participant_id"] == weaver)
        assert mine_paid["paid_by"] == weaver and mine_paid["paid_at"]
        trade.call(
            "POST", pay, Role.PARTICIPANT, expect=409, json={"amount": "94.59"}, claims=as_weaver
        )
        missing = f"{ROUNDS}/{rid}/allocations/{uid('nobody')}/payment"
        trade.call("POST", missing, *STAFF, expect=404, json={"amount": "1.00"})

        # financing: the staff of the deciding ODF, acting for it alone [¶55]
        financing = f"{ROUNDS}/{rid}/financing"
        hat = trade.call("POST", financing, Role.ODF_STAFF, Role.DONOR_PORTAL, expect=403)
        assert hat["rule"] == "¶55"
        # a bank's token is refused before ¶55 is asked: no trade route is open to banks
        bank = trade.call("POST", financing, Role.ODF_STAFF, Role.PARTNER_BANK, expect=403)
        assert bank["type"].endswith("/not-this-bank")
        trade.call("POST", financing, *STAFF, expect=403, claims={"organization": "another-odf"})
        trade.call("POST", financing, Role.PARTICIPANT, expect=403, claims=as_weaver)
        asked = trade.call(
            "POST", financing, *STAFF, claims={"subject": "staff-a", "organization": g["odf"]}
        )
        assert asked["status"] == "settled" and asked["unpaid"] == "0.00"
        fid = asked["financing"]["financing_id"]
        assert asked["financing"]["amount"] == "81.08"
        assert sorted(asked["financing"]["participant_ids"]) == sorted([potter, rep])
        trade.call("POST", financing, *STAFF, expect=409)  # once per round
        trade.call(
            "POST",
            f"{ROUNDS}/{rid}/allocations/{potter}/payment",
            Role.PARTICIPANT,
            expect=409,
            json={"amount": "67.57"},
            claims={"subject": potter},
        )  # the ODF's to settle now
        savings = trade.call("GET", f"{ROUNDS}/{rid}/savings", Role.PARTICIPANT)
        assert savings["pooled_cost"] == "175.67"
        settled = trade.call("GET", f"{ROUNDS}?group_id={g['group']}&status=settled", *STAFF)
        assert [r["id"] for r in settled] == [rid]

        # opened, closed, chosen, three allocated, one paid, one financing request; a second
        # closing, payment or request would arrive within the settling time
        copies = await tap.collect(lambda e: e.data.get("round_id") == rid, expect=8, settle_s=3)
    events = distinct(copies)
    kinds = sorted(e.type.removeprefix("trade.") for e in events)
    assert len(kinds) == 8, kinds
    for once in ("PurchasingRoundClosed", "AllocationPaid", "PurchaseFinancingRequested"):
        assert kinds.count(once) == 1, kinds
    asked_event = next(e for e in events if e.type == "trade.PurchaseFinancingRequested")
    assert asked_event.key == rid
    assert (asked_event.data["odf_id"], asked_event.data["group_id"]) == (g["odf"], g["group"])
    assert asked_event.data["amount"] == "81.08"
    assert {m["participant_id"]: m["cost_share"] for m in asked_event.data["members"]} == {
        potter: "67.57",
        rep: "13.51",
    }

    # credit acts on it by its own rules: a pending request the ODF completes with the term
    request = credit_eventually(platform, tokens, f"/financing-requests/{fid}")
    assert (request["status"], request["amount"], request["odf_id"]) == (
        "pending",
        "81.08",
        g["odf"],
    )
    assert request["round_id"] == rid and request["group_id"] == g["group"]
    listed = credit_call(
        platform, tokens, "GET", f"/financing-requests?group_id={g['group']}", Role.ODF_STAFF
    )
    assert [r["id"] for r in listed] == [fid]
    application = f"/financing-requests/{fid}/application"
    credit_call(
        platform,
        tokens,
        "POST",
        application,
        Role.ODF_STAFF,
        expect=403,
        json={"term_months": 6},
        claims={"organization": "another-odf"},
    )
    credit_call(
        platform,
        tokens,
        "POST",
        application,
        Role.ODF_STAFF,
        expect=403,
        json={"term_months": 6},
        claims={"states": ("09",)},
    )
    credit_call(
        platform, tokens, "POST", application, Role.ODF_STAFF, expect=422, json={"term_months": 0}
    )
    key = {"Idempotency-Key": uid("apply")}
    loan = credit_call(
        platform,
        tokens,
        "POST",
        application,
        Role.ODF_STAFF,
        expect=201,
        json={"term_months": 6},
        headers=key,
    )
    again = credit_call(
        platform,
        tokens,
        "POST",
        application,
        Role.ODF_STAFF,
        expect=201,
        json={"term_months": 6},
        headers=key,
    )
    assert loan == again
    assert (loan["status"], loan["amount"], loan["borrower_kind"], loan["borrower_id"]) == (
        "applied",
        "81.08",
        "odf",
        g["odf"],
    )
    assert loan["group_id"] == g["group"] and rid in loan["purpose"]
    credit_call(
        platform, tokens, "POST", application, Role.ODF_STAFF, expect=409, json={"term_months": 6}
    )
    applied = credit_call(platform, tokens, "GET", f"/financing-requests/{fid}", Role.ODF_STAFF)
    assert (applied["status"], applied["loan_id"]) == ("applied", loan["id"])
    # then the board decides as on any loan [¶55]
    approved = credit_call(
        platform,
        tokens,
        "POST",
        f"/loans/{loan['id']}/board-approval",
        Role.BOARD_REPRESENTATIVE,
        claims={"participant_id": rep},
    )
    assert approved["board_approved_by"] == rep


async def test_two_trade_processes_close_each_round_once(
    trade: Trade, infra: Any, platform: Platform
) -> None:
    """Both processes' schedulers see the clock move past the rounds' closing date; each round
    is closed, and announced closed, exactly once (the conditional commit's version check)."""
    first = platform.processes["trade"]
    second = ServiceProcess("trade", first.port + 101, first.env)
    second.start()
    try:
        second.wait_ready()
        g = await formed_group(infra, trade)
        closes_at = now_of(trade) + timedelta(hours=1)
        async with EventTap(infra.kafka, "trade.events") as tap:
            rids = [open_round(trade, g, closes_at)["id"] for _ in range(30)]
            for rid in rids:
                demand(trade, rid, g, g["weaver"], 3)
            move_clock(trade, closes_at + timedelta(minutes=1))
            for rid in rids:
                assert (await until_round(trade, rid, "closed"))["pooled_quantity"] == 3
            # a second announcement would be on the broker within the settling time
            copies = await tap.collect(
                lambda e: e.type == "trade.PurchasingRoundClosed" and e.data["round_id"] in rids,
                expect=len(rids),
                settle_s=3,
            )
        closings = [
            e
            for e in distinct(copies)
            if e.type == "trade.PurchasingRoundClosed" and e.data["round_id"] in rids
        ]
        announced = Counter(e.data["round_id"] for e in closings)
        twice = {rid: n for rid, n in announced.items() if n > 1}
        assert not twice, f"rounds announced closed more than once: {twice}"
        assert set(announced) == set(rids), (
            f"rounds never announced closed: {set(rids) - set(announced)}"
        )
    finally:
        second.stop()

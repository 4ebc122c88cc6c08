"""Collective purchasing over HTTP and Kafka [¶30, ¶69]: the group's ODF opens a round (trade
learnt the group from enrollment's events), members state and revise their demand, the staff
record a supplier's quote, close the round once the shared clock reaches its closing date and
choose the quote; every member's cost share is exact to the centavo and the shares sum to the
total; the refusals (late demand, a committee member or a supplier choosing [¶55], another
state, bad quantities, no Idempotency-Key) and the round's events on the broker."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from megp_common.auth import Role
from megp_common.launcher import Platform
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
        closed = trade.call("POST", f"{ROUNDS}/{rid}/closing", *STAFF)
        assert closed["status"] == "closed" and closed["pooled_quantity"] == 13
        demand(trade, rid, g, potter, 6, expect=409)
        trade.call("POST", f"{ROUNDS}/{rid}/closing", *STAFF, expect=409)  # once

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

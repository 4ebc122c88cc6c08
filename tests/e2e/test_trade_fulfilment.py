"""Trade after payment, with the platform running: the ODF ships a line in parts and settles
the rest short (the buyer refunded the unshipped part, the units out of `sold`), a producer's
SaleCompleted is for what shipped, the buyer returns shipped units within RETURN_DAYS and the
ODF accepts (refund, restock) or refuses; a return after the sale is SaleReturned on the
broker; every refusal is a 4xx that writes nothing. And the orphan-hold sweep: a hold left in
the store by a crash between reserving and storing the order is released once, when its
expiry passed on the shared clock."""

from __future__ import annotations

import asyncio
import os
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from pymongo import MongoClient

from megp_common.auth import Role
from megp_common.contracts import trade as ev
from megp_common.events import EventEnvelope, make_event
from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver, ok
from megp_common.testing.events import EventTap, distinct
from megp_common.testing.keys import keyed

from .test_funds_support import eventually, publish
from .test_trade_orders import Trade, buy, formed_group, list_product, uid

pytestmark = pytest.mark.e2e

STAFF = (Role.ODF_STAFF,)
SUPERVISOR = (Role.PROGRAMME_SUPERVISOR,)
NATIONAL = {"states": ("*",)}


@pytest.fixture
def trade(platform: Platform, tokens: Any) -> Trade:
    return Trade(platform, tokens)


def order_of(trade: Trade, order: dict[str, Any], buyer: str) -> Any:
    return trade.call("GET", f"/orders/{order['id']}", Role.PARTICIPANT, claims={"subject": buyer})


def pay(trade: Trade, order: dict[str, Any], buyer: str) -> Any:
    return trade.call(
        "POST",
        f"/orders/{order['id']}/payment",
        Role.PARTICIPANT,
        json={"amount": order["total"]},
        claims={"subject": buyer},
    )


def ship(trade: Trade, order: dict[str, Any], n: int, expect: int = 200, **body: Any) -> Any:
    kw: dict[str, Any] = {"json": body} if body else {}
    return trade.call(
        "POST",
        f"/orders/{order['id']}/lines/{n}/fulfilment",
        *STAFF,
        expect=expect,
        claims={"subject": "staff"},
        **kw,
    )


def shorten(trade: Trade, order: dict[str, Any], n: int, expect: int = 200, **claims: Any) -> Any:
    return trade.call(
        "POST",
        f"/orders/{order['id']}/lines/{n}/shortening",
        *claims.pop("roles", STAFF),
        expect=expect,
        json={"reason": "the producer cannot make the rest"},
        claims={"subject": "staff"} | claims,
    )


def ask_return(
    trade: Trade, order: dict[str, Any], n: int, body: Any, buyer: str, expect: int = 201
) -> Any:
    return trade.call(
        "POST",
        f"/orders/{order['id']}/lines/{n}/returns",
        Role.PARTICIPANT,
        expect=expect,
        json=body,
        claims={"subject": buyer},
    )


def decide(
    trade: Trade, order: dict[str, Any], return_id: str, body: Any, expect: int = 200
) -> Any:
    return trade.call(
        "POST",
        f"/orders/{order['id']}/returns/{return_id}/decision",
        *STAFF,
        expect=expect,
        json=body,
        claims={"subject": "staff"},
    )


def clock_now(trade: Trade) -> datetime:
    return datetime.fromisoformat(
        trade.call("GET", "/admin/clock", *SUPERVISOR, claims=NATIONAL)["now"]
    )


def move_clock(trade: Trade, to: datetime) -> None:
    trade.call(
        "PUT", "/admin/clock", *SUPERVISOR, json={"instant": to.isoformat()}, claims=NATIONAL
    )


async def test_a_line_ships_in_parts_and_the_rest_is_settled_short(
    trade: Trade, infra: Any
) -> None:
    g = await formed_group(infra, trade)
    async with EventTap(infra.kafka, "trade.events") as tap:
        rug = list_product(trade, g, stock=12)
        pot = list_product(
            trade, g, producer_id=g["potter"], name="olla", price_mxn="33.33", stock=5
        )
        order = buy(trade, "b1", (rug["id"], 5), (pot["id"], 3))
        ship(trade, order, 1, expect=409)  # not paid yet
        pay(trade, order, "b1")
        key = {"Idempotency-Key": uid("ship")}
        first = trade.call(
            "POST",
            f"/orders/{order['id']}/lines/1/fulfilment",
            *STAFF,
            json={"quantity": 2},
            headers=key,
        )
        again = trade.call(
            "POST",
            f"/orders/{order['id']}/lines/1/fulfilment",
            *STAFF,
            json={"quantity": 2},
            headers=key,
        )
        assert first["lines"][0]["shipped"] == again["lines"][0]["shipped"] == 2
        before = order_of(trade, order, "b1")
        over = ship(trade, order, 1, expect=422, quantity=4)
        assert over["open_quantity"] == 3 and "3 units open" in over["detail"]
        for bad in (0, -1, "1", 1.5, True):
            ship(trade, order, 1, expect=422, quantity=bad)
        trade.call(  # another state's staff
            "POST",
            f"/orders/{order['id']}/lines/1/fulfilment",
            *STAFF,
            expect=403,
            claims={"states": ("09",)},
        )
        shorten(trade, order, 1, expect=403, roles=(Role.PARTICIPANT,))
        assert order_of(trade, order, "b1") == before  # nothing written
        ship(trade, order, 1, quantity=1)
        short = shorten(trade, order, 1)
        line = short["lines"][0]
        assert (line["shipped"], line["shortened"], line["fulfilled_on"] is not None) == (
            3,
            2,
            True,
        )
        # the two units that will not ship leave `sold`; they never come back to `available`
        assert trade.product(rug["id"])["stock"] == {
            "available": 7,
            "reserved": 0,
            "sold": 3,
            "on_hand": 7,
        }
        shorten(trade, order, 1)  # a settled line: nothing more
        assert trade.product(rug["id"])["stock"]["sold"] == 3
        ship(trade, order, 1, expect=422, quantity=1)  # nothing open
        done = shorten(trade, order, 2)  # the potter shipped nothing
        assert done["status"] == "completed"
        assert trade.product(pot["id"])["stock"]["sold"] == 0
        copies = await tap.collect(
            lambda e: (
                e.data.get("order_id") == order["id"]
                and e.type
                in ("trade.OrderLineFulfilled", "trade.OrderLineShortened", "trade.SaleCompleted")
            ),
            expect=5,
        )
    events = distinct(copies)
    shipped = [e.data for e in events if e.type == "trade.OrderLineFulfilled"]
    assert sorted((e["quantity"], e["open_quantity"]) for e in shipped) == [(1, 2), (2, 3)]
    shorts = {e.data["number"]: e.data for e in events if e.type == "trade.OrderLineShortened"}
    assert shorts[1]["refund"] == {
        "total": "1700.00",
        "producer_part": "1445.00",
        "channel_fee": "170.00",
        "logistics": "85.00",
    }
    assert shorts[2]["refund"]["total"] == "99.99" and shorts[2]["shipped"] == 0
    sales = [e for e in events if e.type == "trade.SaleCompleted"]
    assert [(s.data["producer_id"], s.data["amount"]) for s in sales] == [
        (g["weaver"], "2550.00")
    ]  # what shipped; none for the potter, who shipped nothing
    assert sales[0].data["producer_part"] == "2167.50" and sales[0].key == g["group"]


async def test_returns_are_decided_by_the_odf_within_the_return_window(
    trade: Trade, infra: Any
) -> None:
    g = await formed_group(infra, trade)
    async with EventTap(infra.kafka, "trade.events") as tap:
        jar = list_product(trade, g, price_mxn="200.00", stock=10)
        order = buy(trade, "b2", (jar["id"], 4))
        pay(trade, order, "b2")
        ask_return(trade, order, 1, {"quantity": 1, "reason": "broken"}, "b2", expect=409)
        ship(trade, order, 1, quantity=3)
        # before the sale completes, a return makes the sale smaller
        early = ask_return(trade, order, 1, {"quantity": 1, "reason": "chipped"}, "b2")
        accepted = decide(trade, order, early["id"], {"decision": "accept", "restock": True})
        assert accepted["status"] == "accepted" and accepted["refund"]["total"] == "200.00"
        ship(trade, order, 1)  # the fourth
        before = order_of(trade, order, "b2")
        ask_return(trade, order, 1, {"quantity": 1, "reason": "mine"}, "someone", expect=403)
        too_many = ask_return(trade, order, 1, {"quantity": 4, "reason": "all"}, "b2", expect=422)
        assert too_many["returnable"] == 3
        for bad in (
            {"quantity": 0, "reason": "none"},
            {"quantity": 1},
            {"quantity": "1", "reason": "x y"},
        ):
            ask_return(trade, order, 1, bad, "b2", expect=422)
        assert order_of(trade, order, "b2") == before

        late = ask_return(trade, order, 1, {"quantity": 2, "reason": "the glaze cracked"}, "b2")
        assert late["status"] == "requested"
        trade.call(
            "POST",
            f"/orders/{order['id']}/returns/{late['id']}/decision",
            Role.PARTICIPANT,
            expect=403,
            json={"decision": "accept"},
            claims={"subject": "b2"},
        )
        decide(trade, order, late["id"], {"decision": "refuse"}, expect=422)  # says why
        ok = decide(trade, order, late["id"], {"decision": "accept", "restock": False})
        assert ok["refund"] == {
            "total": "400.00",
            "producer_part": "340.00",
            "channel_fee": "40.00",
            "logistics": "20.00",
        }
        again = decide(trade, order, late["id"], {"decision": "accept", "restock": False})
        # the same decision again changes nothing (the store keeps time to the millisecond)
        assert again["status"] == "accepted" and again["refund"] == ok["refund"]
        assert again["decided_at"][:23] == ok["decided_at"][:23]
        decide(trade, order, late["id"], {"decision": "refuse", "reason": "not now"}, expect=409)
        # one back on the shelf, two refunded and not restocked: one still sold
        assert trade.product(jar["id"])["stock"] == {
            "available": 7,
            "reserved": 0,
            "sold": 1,
            "on_hand": 7,
        }
        last = ask_return(trade, order, 1, {"quantity": 1, "reason": "changed my mind"}, "b2")
        refused = decide(trade, order, last["id"], {"decision": "refuse", "reason": "it was used"})
        assert refused["status"] == "refused" and refused["refusal"] == "it was used"
        assert trade.product(jar["id"])["stock"]["sold"] == 1

        move_clock(trade, clock_now(trade) + timedelta(days=31))
        closed = ask_return(trade, order, 1, {"quantity": 1, "reason": "late"}, "b2", expect=409)
        assert closed["return_days"] == 30
        seen = order_of(trade, order, "b2")
        assert [(r["quantity"], r["status"]) for r in seen["returns"]] == [
            (1, "accepted"),
            (2, "accepted"),
            (1, "refused"),
        ]
        assert seen["lines"][0]["returned"] == 3
        copies = await tap.collect(
            lambda e: (
                e.data.get("order_id") == order["id"]
                and e.type in ("trade.SaleCompleted", "trade.SaleReturned", "trade.ReturnRefused")
            ),
            expect=3,
        )
    events = {e.type: e for e in distinct(copies)}
    assert events["trade.SaleCompleted"].data["amount"] == "600.00"  # 4 shipped, 1 back
    returned = events["trade.SaleReturned"]
    assert (returned.data["return_id"], returned.data["amount"]) == (late["id"], "400.00")
    assert returned.data["producer_part"] == "340.00" and returned.key == g["group"]


async def test_a_hold_no_order_accounts_for_is_released_once_its_expiry_passed(
    trade: Trade, infra: Any
) -> None:
    g = await formed_group(infra, trade)
    pid = list_product(trade, g, stock=10)["id"]
    real = buy(trade, "b3", (pid, 1))  # an order holding its unit, unpaid: not the sweep's
    now = clock_now(trade)
    soon, later = uid("crashed"), uid("crashed-later")
    # what a crash between reserving and storing the order leaves in the store
    with MongoClient(infra.mongo, tz_aware=True) as client:
        stock = client["megp_trade"]["stock"]
        for order_id, quantity, until in (
            (soon, 2, now + timedelta(minutes=1)),
            (later, 3, now + timedelta(hours=2)),
        ):
            stock.update_one(
                {"_id": pid},
                {
                    "$inc": {"available": -quantity, "reserved": quantity},
                    "$set": {f"holds.{order_id}": {"quantity": quantity, "until": until}},
                    "$push": {"hold_expiries": {"order": order_id, "until": until}},
                },
            )
    assert trade.product(pid)["stock"] == {"available": 4, "reserved": 6, "sold": 0, "on_hand": 10}
    move_clock(trade, now + timedelta(minutes=5))
    deadline = time.monotonic() + 30
    while trade.product(pid)["stock"]["available"] != 6:
        assert time.monotonic() < deadline, trade.product(pid)
        await asyncio.sleep(0.3)
    await asyncio.sleep(12)  # two more ticks of the scheduler release nothing more
    assert trade.product(pid)["stock"] == {"available": 6, "reserved": 4, "sold": 0, "on_hand": 10}
    with MongoClient(infra.mongo, tz_aware=True) as client:
        doc = client["megp_trade"]["stock"].find_one({"_id": pid})
    assert doc is not None and set(doc["holds"]) == {real["id"], later}
    assert [e["order"] for e in doc["hold_expiries"]] == [real["id"], later]
    assert order_of(trade, real, "b3")["status"] == "reserved"
    pay(trade, real, "b3")  # the order that held its unit still sells it
    assert trade.product(pid)["stock"]["sold"] == 1
    with MongoClient(infra.mongo, tz_aware=True) as client:
        doc = client["megp_trade"]["stock"].find_one({"_id": pid})
    assert doc is not None and [e["order"] for e in doc["hold_expiries"]] == [later]


def test_a_return_after_the_sale_is_taken_from_the_members_period_through_the_broker(
    trade: Trade, platform: Platform, tokens: Any
) -> None:
    """The chain with every service running: enrollment forms the group (trade learns it from
    its events), the member's product sells and ships, SaleCompleted is counted in the open
    period; a return accepted after it is SaleReturned, taken from the same period once however
    often it is delivered, and the closing's income, deposit and ODF share follow. A return
    dated in a period already closed is kept and shown; the closed result stands."""
    drive = Driver(
        platform.processes["enrollment"].url, tokens.header, state=f"{random.randint(1, 32):02d}"
    )
    group, members = drive.active_group()
    seller, state = members[0], group["state_code"]
    start = drive.first_of_next_month(drive.today())
    drive.agree_plan(group["id"], seller, start, baseline="1000.00")
    drive.move_clock_to(start + timedelta(days=5))
    here = {"states": (state,)}
    eventually(lambda: clock_now(trade).date() == start + timedelta(days=5))
    staff = {"subject": "staff"} | here

    def listed() -> Any:
        r = httpx.post(
            f"{trade.url}/v1/products",
            json={
                "group_id": group["id"],
                "producer_id": seller,
                "name": "canasta de palma",
                "category": "basketry",
                "niche": "fair-trade shops",
                "unit": "piece",
                "price_mxn": "100.00",
                "stock": 5,
            },
            headers=keyed("POST", trade.headers(Role.ODF_STAFF, **staff)),
            timeout=30,
        )
        assert r.status_code in (201, 404), r.text
        return r.json() if r.status_code == 201 else None

    basket = eventually(listed)
    body = {"lines": [{"product_id": basket["id"], "quantity": 3}]}
    order = trade.call(
        "POST", "/orders", Role.PARTICIPANT, expect=201, json=body, claims={"subject": "b4"} | here
    )
    trade.call(
        "POST",
        f"/orders/{order['id']}/payment",
        Role.PARTICIPANT,
        json={"amount": "300.00"},
        claims={"subject": "b4"} | here,
    )
    trade.call("POST", f"/orders/{order['id']}/lines/1/fulfilment", *STAFF, claims=staff)
    wanted = {"quantity": 1, "reason": "the handle came off"}
    back = trade.call(
        "POST",
        f"/orders/{order['id']}/lines/1/returns",
        Role.PARTICIPANT,
        expect=201,
        json=wanted,
        claims={"subject": "b4"} | here,
    )
    trade.call(
        "POST",
        f"/orders/{order['id']}/returns/{back['id']}/decision",
        *STAFF,
        json={"decision": "accept", "restock": True},
        claims=staff,
    )
    period_url = f"/groups/{group['id']}/periods/{start.isoformat()}"

    def seller_row(check: Any) -> Any:
        def read() -> Any:
            response = drive.client.get(period_url, headers=drive.staff)
            if response.status_code != 200:
                return None
            rows = [m for m in response.json()["members"] if m["participant_id"] == seller]
            return rows[0] if rows and check(rows[0]) else None

        return eventually(read)

    row = seller_row(lambda r: r["returns_counted"] and r["sales_counted"])
    assert (row["sales"], row["returns"]) == ("255.00", "85.00")
    (taken,) = row["returns_counted"]
    assert taken["return_id"] == back["id"] and taken["order_id"] == order["id"]

    # a redelivery of the SaleReturned takes nothing more
    copies = asyncio.run(_copies_of(order["id"]))
    returned = [e for e in copies if e.type == "trade.SaleReturned"]
    assert returned
    publish(os.environ["KAFKA_BOOTSTRAP_SERVERS"], "trade.events", returned[:1] * 2)

    # the marketplace's sales ledger nets the return out too, once: the sale's line and the
    # return's entry, 3 - 1 units, 300.00 - 100.00 paid, 255.00 - 85.00 to the producer
    reader = trade.headers(Role.PROGRAMME_SUPERVISOR, subject="reader", states=(state,))

    def netted() -> Any:
        r = httpx.get(
            f"{trade.url}/v1/reports/sales",
            params={"by": "producer", "state": state, "from": start.isoformat()},
            headers=reader,
            timeout=30,
        )
        assert r.status_code == 200, r.text
        rows = [g for g in r.json()["groups"] if g["key"] == seller]
        return rows[0] if rows and rows[0]["returns"] == 1 else None

    row_sold = eventually(netted)
    assert (row_sold["lines"], row_sold["units"], row_sold["amount"]) == (1, 2, "200.00")
    assert row_sold["producer_part"] == "170.00"

    drive.move_clock_to(drive.first_of_next_month(start) + timedelta(days=1))
    sheet = {
        "period_start": start.isoformat(),
        "incomes": [{"participant_id": seller, "income": "1000.00"}],
    }
    closed = ok(
        drive.client.post(
            f"/groups/{group['id']}/period-closings",
            json=sheet,
            headers=drive.staff | {"Idempotency-Key": uid("close")},
        ),
        201,
    )
    (mine,) = [m for m in closed["members"] if m["participant_id"] == seller]
    result = mine["result"]
    assert (result["income"], result["sales"], result["returns"], result["deposit_due"]) == (
        "1170.00",
        "255.00",
        "85.00",
        "17.00",
    )
    assert [r["return_id"] for r in mine["returns_counted"]] == [back["id"]]  # once

    # a return dated in the closed period (delivered late) is kept apart; the result stands
    late = make_event(
        ev.SaleReturned(
            order_id=order["id"],
            return_id=uid("late-return"),
            producer_id=seller,
            group_id=group["id"],
            odf_id=group["development_organization"]["odf_id"],
            state_code=state,
            channel="marketplace",
            amount=Decimal("100.00"),
            producer_part=Decimal("85.00"),
            channel_fee=Decimal("10.00"),
            logistics=Decimal("5.00"),
            returned_on=start + timedelta(days=20),
        ),
        source="/megp/trade",
        key=group["id"],
        time=datetime.now(UTC),
        state=state,
    )
    publish(os.environ["KAFKA_BOOTSTRAP_SERVERS"], "trade.events", [late])
    kept = seller_row(lambda r: r["late_returns"])
    assert [r["sale_id"] for r in kept["late_returns"]] == [late.id]
    assert kept["result"] == result


async def _copies_of(order_id: str) -> list[EventEnvelope]:
    """The order's events as published on trade.events (envelopes, to deliver again)."""
    consumer = AIOKafkaConsumer(
        "trade.events",
        bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"],
        group_id=None,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[EventEnvelope] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
            e.type == "trade.SaleReturned" for e in found
        ):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    env = EventEnvelope.from_json(record.value)
                    if env.data.get("order_id") == order_id:
                        found.append(env)
        return found
    finally:
        await consumer.stop()

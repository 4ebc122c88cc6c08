"""What an order on the marketplace costs the store, counted against the real store (every
command the client sends, by collection): a 1-line and a 3-line order placed and paid through
the use cases under the routes' idempotency wrapper, a retry of each (replayed, nothing
written), and a 3-line order whose last line is short (refused with what is left, nothing kept
reserved). The counts are the outcome of the code path, not a timing: a change to the order
path's writes shows here first."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from megp_common.answers import Answering
from megp_common.auth import Principal, Role
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import StoreWrites, counting_client
from trade.bootstrap import build_services
from trade.config import Settings
from trade.domain.commands import OrderItem, PayOrder, PlaceOrder
from trade.domain.errors import StockShort
from trade.domain.order import Order
from trade.domain.pricing import FeeTerms
from trade.domain.product import Product
from trade.entrypoints.api.deps import keyed_order
from trade.entrypoints.api.schemas.orders import OrderPublic
from trade.service_layer import orders
from trade.service_layer.container import Services

pytestmark = pytest.mark.integration

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
BUYER = Principal("buyer-1", frozenset({Role.PARTICIPANT}), frozenset({"*"}))
STOCK = 10

#: (writes, reads) by collection of each request through the routes' wrapper, which keeps the
#: answer in the order's own commit (megp_common.answers). Before that (2026-12-02) each
#: request also read and wrote its record in `idempotency`: place 3 writes and 4 reads, pay 3
#: and 2, a replay 1 read of `idempotency`, the short order 1 read more. Before the lines went
#: in one bulk write (2026-12-02) they were: place 1 line 5 writes, 3 lines 11 (a
#: findAndModify per line); pay 1 line 5, 3 lines 11; the short 3-line order 15 writes and 9
#: reads (two lines reserved and given back one by one), each stock change with a store lock's
#: insert and delete in `stock_locks`, which the atomic store made unnecessary.
PLACE_1 = (
    {"orders": 1, "stock": 1},
    {"orders": 1, "channels": 1, "products": 1},
)
PLACE_3 = (
    {"orders": 1, "stock": 1},
    {"orders": 1, "channels": 1, "products": 1},
)
PAY_1 = (
    {"orders": 1, "stock": 1},
    {"orders": 1},
)
PAY_3 = (
    {"orders": 1, "stock": 1},
    {"orders": 1},
)
#: the order read by the id its key gives, which keeps the answer
REPLAY: tuple[dict[str, int], dict[str, int]] = ({}, {"orders": 1})
#: the reservations, then (only on the shortfall) the lines read and the two held given back
SHORT_3 = (
    {"stock": 2},
    {"orders": 1, "channels": 1, "products": 1, "stock": 1},
)


def product(pid: str) -> Product:
    return Product.list_(
        id=pid,
        group_id="g-20",
        odf_id="odf-20",
        producer_id=f"producer-{pid}",
        state="20",
        municipality="Oaxaca de Juárez",
        name="rebozo",
        category="textiles",
        niche="shops",
        unit="piece",
        price_mxn=Decimal("33.33"),
        price_usd=None,
        programmes=["women"],
        terms=FeeTerms(Decimal("0.10"), Decimal("0.05")),
        stock=STOCK,
        now=NOW,
    )


async def _place(services: Services, key: str, lines: list[tuple[str, int]]) -> Any:
    command = PlaceOrder(items=tuple(OrderItem(p, q) for p, q in lines))
    payload = {"lines": [{"product_id": p, "quantity": q} for p, q in lines]}

    async def run(order_id: str, answer: Answering[Order]) -> None:
        await orders.place(services, BUYER, command, order_id, answer)

    resp = await keyed_order(services, BUYER, "orders", key, payload, 201, OrderPublic.of, run)
    return json.loads(bytes(resp.body))


async def _pay(services: Services, key: str, order: Any) -> Any:
    async def run(_: str, answer: Answering[Order]) -> None:
        command = PayOrder(order["id"], Decimal(order["total"]))
        await orders.pay(services, BUYER, command, answer)

    body = {"amount": order["total"]}
    scope = f"payment:{order['id']}"
    resp = await keyed_order(services, BUYER, scope, key, body, 200, OrderPublic.of, run)
    return json.loads(bytes(resp.body))


def cost(counted: StoreWrites) -> tuple[dict[str, int], dict[str, int]]:
    return counted.taken(), counted.reads_taken()


async def test_an_order_costs_the_store_a_few_writes(infra: Infra) -> None:
    client, counted = counting_client(infra.mongo)
    db = client[f"trade_writes_{new_id()[-12:]}"]
    clock = SettableClock()
    clock.set(NOW)
    outbox = OutboxWriter(service="trade", topic="trade.events", clock=clock)
    services = build_services(Settings(), clock, db, outbox)
    try:
        ids = ["p1", "p2", "p3"]
        for pid in ids:
            await services.stock.open(pid, STOCK)
            await services.products.add(product(pid))
        await _place(services, "warm-up", [("p1", 1)])  # the marketplace is seeded on first use
        cost(counted)
        seen: dict[str, tuple[dict[str, int], dict[str, int]]] = {}

        one = await _place(services, "one", [("p1", 2)])
        seen["place 1"] = cost(counted)
        paid = await _pay(services, "pay-one", one)
        seen["pay 1"] = cost(counted)
        assert paid["status"] == "paid"
        three = await _place(services, "three", [("p1", 1), ("p2", 2), ("p3", 3)])
        seen["place 3"] = cost(counted)
        paid = await _pay(services, "pay-three", three)
        seen["pay 3"] = cost(counted)
        assert paid["status"] == "paid"
        # retries of the same requests by the same caller: the first answers, nothing written
        assert await _place(services, "three", [("p1", 1), ("p2", 2), ("p3", 3)]) == three
        seen["replay"] = cost(counted)
        # the last line is short: refused with what is left, and the first two given back
        with pytest.raises(StockShort) as short:
            await _place(services, "short", [("p1", 1), ("p2", 1), ("p3", STOCK)])
        seen["short 3"] = cost(counted)
        assert (short.value.product_id, short.value.available) == ("p3", STOCK - 3)
        levels = await services.stock.levels(ids)
        # p1: warm-up 1 (reserved), 2 + 1 sold; p2: 2 sold; p3: 3 sold; nothing else held
        assert [(levels[p].available, levels[p].reserved, levels[p].sold) for p in ids] == [
            (6, 1, 3),
            (8, 0, 2),
            (7, 0, 3),
        ]
        assert seen == {
            "place 1": PLACE_1,
            "pay 1": PAY_1,
            "place 3": PLACE_3,
            "pay 3": PAY_3,
            "replay": REPLAY,
            "short 3": SHORT_3,
        }
    finally:
        await client.drop_database(db.name)
        await client.close()


async def test_the_holds_are_the_orders_once(infra: Infra) -> None:
    """A retry of an order's reservation (a crash before its order was stored) takes nothing
    more; a shortfall gives back every hold of the order, an earlier attempt's too; a sale
    settled twice sells once."""
    client, counted = counting_client(infra.mongo)
    db = client[f"trade_holds_{new_id()[-12:]}"]
    clock = SettableClock()
    outbox = OutboxWriter(service="trade", topic="trade.events", clock=clock)
    services = build_services(Settings(), clock, db, outbox)
    stock = services.stock
    try:
        for pid in ("p1", "p2"):
            await stock.open(pid, STOCK)
        lines = [("p1", 2), ("p2", 3)]
        assert await stock.reserve_all("o1", lines, NOW) == {}
        counted.taken()
        assert await stock.reserve_all("o1", lines, NOW) == {}  # found held: nothing more
        assert counted.reads_taken()["stock"] == 1  # which lines hold the order, read at once
        levels = await stock.levels(["p1", "p2"])
        assert [(levels[p].available, levels[p].reserved) for p in ("p1", "p2")] == [(8, 2), (7, 3)]
        # o2 holds p1 from an earlier attempt, p2 is short: both are free again
        assert await stock.reserve_all("o2", [("p1", 1)], NOW) == {}
        short = await stock.reserve_all("o2", [("p1", 1), ("p2", STOCK)], NOW)
        assert {p: level.available for p, level in short.items()} == {"p2": 7}
        levels = await stock.levels(["p1", "p2"])
        assert [(levels[p].available, levels[p].reserved) for p in ("p1", "p2")] == [(8, 2), (7, 3)]
        await stock.sell_all("o1", lines, NOW)
        await stock.sell_all("o1", lines, NOW)
        await stock.release_all("o1", lines, NOW)  # sold: nothing to give back
        levels = await stock.levels(["p1", "p2"])
        assert [
            (levels[p].available, levels[p].reserved, levels[p].sold) for p in ("p1", "p2")
        ] == [
            (8, 0, 2),
            (7, 0, 3),
        ]
        docs = [d async for d in db["stock"].find({}, {"holds": 1, "hold_expiries": 1})]
        assert [(d["holds"], d["hold_expiries"]) for d in docs] == [({}, []), ({}, [])]
    finally:
        await client.drop_database(db.name)
        await client.close()

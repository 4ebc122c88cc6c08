"""What an order on the marketplace costs the store, counted against the real store (every
command the client sends, by collection): a 1-line and a 3-line order placed and paid through
the use cases under the routes' idempotency wrapper, a retry of each (replayed, nothing
written), and a 3-line order whose last line is short (refused with what is left, nothing kept
reserved); then an order's whole life as the simulation drives it (placed, paid, each line
shipped by its ODF, the ledger's consumer writing the sales), and what a second process, whose
copies of the order are stale, costs and answers. The counts are the outcome of the code path,
not a timing: a change to the order path's reads or writes shows here first."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from megp_common.answers import Answering
from megp_common.auth import Principal, Role
from megp_common.clock import SettableClock
from megp_common.contracts import trade as ev
from megp_common.errors import NotFound
from megp_common.events import EventEnvelope
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter, outbox_entry
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import StoreWrites, counting_client
from trade.bootstrap import build_services
from trade.config import Settings
from trade.domain.channel import Channel, ChannelKind
from trade.domain.commands import FulfilLine, FulfilOrder, OrderItem, PayOrder, PlaceOrder
from trade.domain.errors import InvalidTransition, NotAuthorized, StockShort
from trade.domain.order import Order
from trade.domain.pricing import FeeTerms
from trade.domain.producer import ProducerRecord
from trade.domain.product import Product
from trade.entrypoints.api.deps import keyed_order
from trade.entrypoints.api.schemas.orders import OrderPublic
from trade.service_layer import fulfilment, ledger, orders
from trade.service_layer.container import Services

pytestmark = pytest.mark.integration

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
BUYER = Principal("buyer-1", frozenset({Role.PARTICIPANT}), frozenset({"*"}))
STOCK = 10

#: (writes, reads) by collection of each request through the routes' wrapper, which keeps the
#: answer in the order's own commit (megp_common.answers). The order a request commits is held
#: for its next request (OrderRepository: a payment reads no order), and a channel read or
#: committed here answers placings for CHANNEL_MEMORY_S (ChannelRepository: a placing reads no
#: channel). Before those (2026-12-02) a payment read its order (1 read), a placing its
#: channel (1). Before answers were kept with orders (2026-12-02) each request also read and
#: wrote its record in `idempotency`: place 3 writes and 4 reads, pay 3 and 2, a replay 1 read
#: of `idempotency`, the short order 1 read more. Before the lines went in one bulk write
#: (2026-12-02) they were: place 1 line 5 writes, 3 lines 11 (a findAndModify per line); pay 1
#: line 5, 3 lines 11; the short 3-line order 15 writes and 9 reads (two lines reserved and
#: given back one by one), each stock change with a store lock's insert and delete in
#: `stock_locks`, which the atomic store made unnecessary.
PLACE_1 = (
    {"orders": 1, "stock": 1},
    {"orders": 1, "products": 1},
)
PLACE_3 = (
    {"orders": 1, "stock": 1},
    {"orders": 1, "products": 1},
)
PAY_1 = ({"orders": 1, "stock": 1}, {})
PAY_3 = ({"orders": 1, "stock": 1}, {})
#: the order read by the id its key gives, which keeps the answer
REPLAY: tuple[dict[str, int], dict[str, int]] = ({}, {"orders": 1})
#: the reservations, then (only on the shortfall) the lines read and the two held given back
SHORT_3 = (
    {"stock": 2},
    {"orders": 1, "products": 1, "stock": 1},
)

#: An order's life as the simulation drives it (3 lines of 2 producers), by step. Before
#: (2026-12-02, main 724fed3) each line's shipment read its order and its group (a group
#: record holds every member) and the ledger's consumer read, per producer's sale, the order,
#: each line's product and the producer, and inserted each line alone: the same life cost
#: 10 writes and 17 reads (place 2 + 3, pay 2 + 1, ship 3 x (1 + 2), ledger 3 + 7: per
#: producer the order, each product, the producer). Now a shipment names its line's group's ODF and
#: state from the line, the ledger's run of sales reads the orders held (or in one query),
#: the lines carry their product's listing, the producers are one query, the lines one
#: insert.
LIFE = {
    "place": ({"orders": 1, "stock": 1}, {"orders": 1, "products": 1}),
    "pay": ({"orders": 1, "stock": 1}, {}),
    "ship 1": ({"orders": 1}, {}),
    "ship 2": ({"orders": 1}, {}),
    "ship 3": ({"orders": 1}, {}),
    "ledger": ({"sale_lines": 1}, {"producers": 1}),
}
ODF = Principal("staff-20", frozenset({Role.ODF_STAFF}), frozenset({"20"}), organization="odf-20")


def product(pid: str, producer: str | None = None, group: str = "g-20") -> Product:
    return Product.list_(
        id=pid,
        group_id=group,
        odf_id=f"odf-{group[2:]}",
        producer_id=producer or f"producer-{pid}",
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


async def _place(
    services: Services, key: str, lines: list[tuple[str, int]], channel: str = "marketplace"
) -> Any:
    command = PlaceOrder(items=tuple(OrderItem(p, q) for p, q in lines), channel_id=channel)
    payload = {"lines": [{"product_id": p, "quantity": q} for p, q in lines], "channel": channel}

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


async def _ship(services: Services, key: str, order_id: str, number: int) -> Any:
    async def run(shipment_id: str, answer: Answering[Order]) -> None:
        command = FulfilLine(order_id, number, None, shipment_id)
        await fulfilment.fulfil(services, ODF, command, answer)

    scope = f"fulfil:{order_id}:{number}"
    resp = await keyed_order(services, ODF, scope, key, {}, 200, OrderPublic.of, run)
    return json.loads(bytes(resp.body))


async def _ship_order(
    services: Services, who: Principal, key: str, order_id: str, group: str | None = None
) -> Any:
    async def run(shipment_id: str, answer: Answering[Order]) -> None:
        command = FulfilOrder(order_id, shipment_id, group)
        await fulfilment.fulfil_order(services, who, command, answer)

    scope = f"fulfil-order:{order_id}"
    payload = {"group_id": group}
    resp = await keyed_order(services, who, scope, key, payload, 200, OrderPublic.of, run)
    return json.loads(bytes(resp.body))


#: a test's database and the commands counted on it
Store = tuple[AsyncDatabase[Any], StoreWrites]


@pytest.fixture
async def store(infra: Infra) -> AsyncIterator[Store]:
    """A database of its own on the real store, every command counted, dropped afterwards."""
    client, counted = counting_client(infra.mongo)
    db = client[f"trade_writes_{new_id()[-12:]}"]
    try:
        yield db, counted
    finally:
        await client.drop_database(db.name)
        await client.close()


def cost(counted: StoreWrites) -> tuple[dict[str, int], dict[str, int]]:
    return counted.taken(), counted.reads_taken()


async def test_an_order_costs_the_store_a_few_writes(store: Store) -> None:
    db, counted = store
    clock = SettableClock()
    clock.set(NOW)
    outbox = OutboxWriter(service="trade", topic="trade.events", clock=clock)
    services = build_services(Settings(), clock, db, outbox)
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


async def test_the_holds_are_the_orders_once(store: Store) -> None:
    """A retry of an order's reservation (a crash before its order was stored) takes nothing
    more; a shortfall gives back every hold of the order, an earlier attempt's too; a sale
    settled twice sells once."""
    db, counted = store
    clock = SettableClock()
    outbox = OutboxWriter(service="trade", topic="trade.events", clock=clock)
    services = build_services(Settings(), clock, db, outbox)
    stock = services.stock
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
    assert [(levels[p].available, levels[p].reserved, levels[p].sold) for p in ("p1", "p2")] == [
        (8, 0, 2),
        (7, 0, 3),
    ]
    docs = [d async for d in db["stock"].find({}, {"holds": 1, "hold_expiries": 1})]
    assert [(d["holds"], d["hold_expiries"]) for d in docs] == [({}, []), ({}, [])]


def _published(sales: list[tuple[EventEnvelope, Any]]) -> Any:
    """The relay's hand-over of each commit's entries, kept: the ledger's events as published."""

    def notify(collection: str, doc_id: str, entries: list[Any], key: Any) -> None:
        for stored in entries:
            env = EventEnvelope.from_json(outbox_entry(stored)["body"])
            if env.type in (ev.SaleCompleted.event_type, ev.SaleReturned.event_type):
                sales.append((env, env.payload()))

    return notify


async def test_an_orders_life_costs_the_store_what_it_changes(store: Store) -> None:
    """Placed, paid, its three lines shipped by their ODF, the ledger's consumer writing the two
    producers' sales: each step's commands pinned (LIFE). The ledger's lines are the sales as
    shipped, with the products' listing and the producers as trade knows them; the same events
    again write nothing."""
    db, counted = store
    clock = SettableClock()
    clock.set(NOW)
    sales: list[tuple[EventEnvelope, Any]] = []
    outbox = OutboxWriter(
        service="trade", topic="trade.events", clock=clock, notify=_published(sales)
    )
    services = build_services(Settings(), clock, db, outbox)
    for pid, producer in (("p1", "ana"), ("p2", "ana"), ("p3", "bea")):
        await services.stock.open(pid, STOCK)
        await services.products.add(product(pid, producer))
    for who, gender in (("ana", "female"), ("bea", "male")):
        await services.producers.add(ProducerRecord(id=who, state="20", gender=gender))
    await _place(services, "warm-up", [("p1", 1)])  # the marketplace is seeded on first use
    cost(counted)
    seen: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
    placed = await _place(services, "life", [("p1", 1), ("p2", 2), ("p3", 3)])
    seen["place"] = cost(counted)
    assert (await _pay(services, "pay-life", placed))["status"] == "paid"
    seen["pay"] = cost(counted)
    for n in (1, 2, 3):
        shipped = await _ship(services, f"ship-{n}", placed["id"], n)
        seen[f"ship {n}"] = cost(counted)
    assert shipped["status"] == "completed"
    assert sorted(e.producer_id for _, e in sales) == ["ana", "bea"]
    assert await ledger.record_entries(services, sales) == 3
    seen["ledger"] = cost(counted)
    assert seen == LIFE
    assert await ledger.record_entries(services, sales) == 0  # redelivered: nothing more
    docs = [d async for d in db["sale_lines"].find({}, sort=[("_id", 1)])]
    assert [
        (d["_id"], d["quantity"], d["category"], d["programmes"], d["producer_gender"])
        for d in docs
    ] == [
        (f"{placed['id']}:1", 1, "textiles", ["women"], "female"),
        (f"{placed['id']}:2", 2, "textiles", ["women"], "female"),
        (f"{placed['id']}:3", 3, "textiles", ["women"], "male"),
    ]


async def test_a_copy_another_process_made_stale_is_never_the_answer(store: Store) -> None:
    """Two processes on one store: what one holds of an order goes stale when the other
    commits it. A refusal the stale copy would make (ship an order it holds unpaid) is made
    again from the store, which ships it; a stale copy's write fails and is made again from the
    store, so both shipments are in the order; the channel one process closed refuses its next
    order there at once, and the other process's after CHANNEL_MEMORY_S (0 here)."""
    db, counted = store
    clock = SettableClock()
    clock.set(NOW)
    outbox = OutboxWriter(service="trade", topic="trade.events", clock=clock)
    one = build_services(Settings(), clock, db, outbox)
    two = build_services(Settings(channel_memory_s=0), clock, db, outbox)
    for pid in ("p1", "p2"):
        await one.stock.open(pid, STOCK)
        await one.products.add(product(pid))
    placed = await _place(one, "stale", [("p1", 1), ("p2", 1)])  # `one` holds it unpaid
    assert (await _pay(two, "pay-stale", placed))["status"] == "paid"
    counted.taken(), counted.reads_taken()
    # `one`'s copy says unpaid: its refusal is not the answer; the store's order ships
    assert (await _ship(one, "ship-1", placed["id"], 1))["lines"][0]["shipped"] == 1
    assert counted.reads_taken() == {"orders": 1}
    assert counted.taken() == {"orders": 1}
    # `two` holds the order as it paid it, before `one` shipped: its write fails, and the
    # retry from the store ships line 2 beside line 1
    assert (await _ship(two, "ship-2", placed["id"], 2))["status"] == "completed"
    assert (counted.taken(), counted.reads_taken()) == ({"orders": 2}, {"orders": 1})
    stored = await one.orders.get(placed["id"])
    assert [(x.shipped, len(x.shipments)) for x in stored.lines] == [(1, 1), (1, 1)]
    # the marketplace closes for nobody; a trade center's close is seen by `two` at once
    center = await _center(one)
    order = [("p1", 1)]
    assert (await _place(two, "at-center", order, center.id))["channel"] == center.id
    center.close("the center moved", NOW)
    await one.channels.save(center)
    for services, key in ((one, "one-closed"), (two, "two-closed")):
        with pytest.raises(InvalidTransition):
            await _place(services, key, order, center.id)


async def _center(services: Services) -> Channel:
    center = Channel.register(
        id="center-20",
        kind=ChannelKind.TRADE_CENTER,
        name="Centro de comercio",
        terms=FeeTerms(Decimal("0.08"), Decimal("0.04")),
        currencies=["MXN"],
        country="MX",
        states=["20"],
        odf_ids=["odf-20"],
        buyer_organization=None,
        by="staff-20",
        now=NOW,
    )
    await services.channels.add(center)
    return center


async def test_an_odf_ships_its_lines_of_an_order_in_one_write(store: Store) -> None:
    """`POST /orders/{id}/fulfilment`: the ODF of two of the order's three lines ships both in
    one commit (where the lines one by one were two), the third line, another group's, is left
    to its own ODF, whose shipment completes the order; an ODF with no line in it is refused
    and changes nothing; a retry replays the answer and ships nothing more."""
    db, counted = store
    clock = SettableClock()
    clock.set(NOW)
    outbox = OutboxWriter(service="trade", topic="trade.events", clock=clock)
    services = build_services(Settings(), clock, db, outbox)
    other = Principal(
        "staff-21", frozenset({Role.ODF_STAFF}), frozenset({"20"}), organization="odf-21"
    )
    stranger = Principal(
        "staff-99", frozenset({Role.ODF_STAFF}), frozenset({"20"}), organization="odf-99"
    )
    for pid, group in (("p1", "g-20"), ("p2", "g-20"), ("p3", "g-21")):
        await services.stock.open(pid, STOCK)
        await services.products.add(product(pid, group=group))
    placed = await _place(services, "mixed", [("p1", 1), ("p2", 2), ("p3", 3)])
    await _pay(services, "pay-mixed", placed)
    cost(counted)
    shipped = await _ship_order(services, ODF, "ship-20", placed["id"])
    assert cost(counted) == ({"orders": 1}, {})  # the paid order held: no read
    assert [(x["number"], x["shipped"]) for x in shipped["lines"]] == [(1, 1), (2, 2), (3, 0)]
    assert shipped["status"] == "paid"
    assert await _ship_order(services, ODF, "ship-20", placed["id"]) == shipped  # replayed
    with pytest.raises(NotAuthorized):
        await _ship_order(services, stranger, "ship-99", placed["id"])
    with pytest.raises(NotAuthorized):  # the other group's line, asked for by name
        await _ship_order(services, ODF, "ship-20-of-21", placed["id"], group="g-21")
    with pytest.raises(NotFound):
        await _ship_order(services, ODF, "ship-20-of-22", placed["id"], group="g-22")
    assert cost(counted)[0] == {}  # neither the replay nor the refusals wrote
    done = await _ship_order(services, other, "ship-21", placed["id"], group="g-21")
    assert [x["shipped"] for x in done["lines"]] == [1, 2, 3]
    assert done["status"] == "completed"
    # a later shipment of the first ODF, under a new key, finds nothing open and ships none
    again = await _ship_order(services, ODF, "ship-20-again", placed["id"])
    assert [x["shipped"] for x in again["lines"]] == [1, 2, 3]

"""Trade's order routes keep each keyed request's answer in the order's own commit
(megp_common.answers), against the real store, through the route functions themselves: a
retry replays the first answer and changes nothing; another caller's same key is its own
order; another payload under a key is a 422; a failure keeps nothing; a payment whose holds
were not sold (a crash after the order's commit) is completed by its replay; two processes
placing the same keyed order at once make one order holding its units once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.responses import JSONResponse
from pymongo import AsyncMongoClient

import megp_common.web as web
from megp_common.answers import ANSWERS, unpack_answers
from megp_common.auth import Principal, Role
from megp_common.clock import SettableClock
from megp_common.errors import NotFound, ValidationFailed
from megp_common.ids import new_id
from megp_common.mongo import Document, OutboxWriter, make_client
from megp_common.testing.infra import Infra
from trade.bootstrap import build_services
from trade.config import Settings
from trade.domain.errors import StockShort
from trade.domain.pricing import FeeTerms
from trade.domain.product import Product
from trade.entrypoints.api.routers import orders as routes
from trade.entrypoints.api.schemas.orders import OrderCancellation, OrderCreate, OrderPayment
from trade.service_layer.container import Services

pytestmark = pytest.mark.integration

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
ANA = Principal("buyer-ana", frozenset({Role.PARTICIPANT}), frozenset({"*"}))
BEA = Principal("buyer-bea", frozenset({Role.PARTICIPANT}), frozenset({"*"}))
STOCK = 10


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


class Store:
    """A database of trade's with two products, and a process's services on it."""

    def __init__(self, infra: Infra) -> None:
        self.url = infra.mongo
        self.name = f"trade_answers_{new_id()[-12:]}"
        self.clients: list[AsyncMongoClient[Document]] = []

    def process(self) -> Services:
        """Services as one trade process builds them (a client of its own)."""
        client = make_client(self.url)
        self.clients.append(client)
        clock = SettableClock()
        clock.set(NOW)
        outbox = OutboxWriter(service="trade", topic="trade.events", clock=clock)
        return build_services(Settings(), clock, client[self.name], outbox)

    async def order_doc(self, order_id: str) -> Document:
        doc = await self.clients[0][self.name]["orders"].find_one({"_id": order_id})
        assert doc is not None
        return doc

    async def levels(self, services: Services) -> list[tuple[int, int, int]]:
        found = await services.stock.levels(["p1", "p2"])
        return [(found[p].available, found[p].reserved, found[p].sold) for p in ("p1", "p2")]


@pytest.fixture
async def store(infra: Infra) -> AsyncIterator[tuple[Store, Services]]:
    store = Store(infra)
    services = store.process()
    for pid in ("p1", "p2"):
        await services.stock.open(pid, STOCK)
        await services.products.add(product(pid))
    try:
        yield store, services
    finally:
        await store.clients[0].drop_database(store.name)
        for client in store.clients:
            await client.close()


def body_of(resp: JSONResponse) -> Any:
    return json.loads(bytes(resp.body))


async def place(services: Services, who: Principal, key: str, quantity: int = 2) -> Any:
    create = OrderCreate.model_validate({"lines": [{"product_id": "p1", "quantity": quantity}]})
    resp = await routes.place(create, services, who, key)
    assert resp.status_code == 201
    return body_of(resp)


async def pay(services: Services, who: Principal, key: str, order: Any) -> Any:
    payment = OrderPayment.model_validate({"amount": order["total"]})
    resp = await routes.pay(order["id"], payment, services, who, key)
    assert resp.status_code == 200
    return body_of(resp)


async def test_a_retry_replays_the_order_and_changes_nothing(
    store: tuple[Store, Services],
) -> None:
    db, services = store
    first = await place(services, ANA, "o-1")
    assert await place(services, ANA, "o-1") == first
    assert (await db.order_doc(first["id"]))["version"] == first["version"] == 1
    assert await db.levels(services) == [(8, 2, 0), (10, 0, 0)]
    paid = await pay(services, ANA, "pay-1", first)
    assert await pay(services, ANA, "pay-1", first) == paid
    assert paid["status"] == "paid"
    doc = await db.order_doc(first["id"])
    assert doc["version"] == paid["version"] == 2
    assert [(a.key, a.status, a.body) for a in unpack_answers(doc[ANSWERS])] == [
        ("o-1", 201, first),
        ("pay-1", 200, paid),
    ]
    assert await db.levels(services) == [(8, 0, 2), (10, 0, 0)]
    # the idempotency collection is not written on this path
    assert await services.idempotency._col.count_documents({}) == 0


async def test_another_callers_same_key_is_its_own_order(store: tuple[Store, Services]) -> None:
    _, services = store
    mine = await place(services, ANA, "o-1")
    theirs = await place(services, BEA, "o-1")
    assert theirs["id"] != mine["id"]
    assert await place(services, ANA, "o-1") == mine
    # the buyer's payment key, sent by someone else for the same order, finds nothing of hers
    await pay(services, ANA, "pay-1", mine)
    payment = OrderPayment.model_validate({"amount": mine["total"]})
    with pytest.raises(NotFound):
        await routes.pay(mine["id"], payment, services, BEA, "pay-1")


async def test_the_same_key_with_another_order_is_a_422(store: tuple[Store, Services]) -> None:
    db, services = store
    first = await place(services, ANA, "o-1", quantity=2)
    with pytest.raises(ValidationFailed) as refused:
        await place(services, ANA, "o-1", quantity=3)
    assert refused.value.extensions == {"idempotency_key": "o-1"}
    cancel = OrderCancellation(reason="bought elsewhere")
    await routes.cancel(first["id"], cancel, services, ANA, "cancel-1")
    with pytest.raises(ValidationFailed):
        await routes.cancel(
            first["id"], OrderCancellation(reason="too dear"), services, ANA, "cancel-1"
        )
    assert (await db.order_doc(first["id"]))["status"] == "cancelled"
    assert await db.levels(services) == [(10, 0, 0), (10, 0, 0)]


async def test_a_failure_keeps_nothing_and_its_retry_runs_again(
    store: tuple[Store, Services], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, services = store
    with pytest.raises(StockShort):
        await place(services, ANA, "o-1", quantity=STOCK + 1)
    with pytest.raises(StockShort):  # refused again, not replayed: it ran again
        await place(services, ANA, "o-1", quantity=STOCK + 1)
    real = services.stock.reserve_all

    async def down(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the store went away")

    monkeypatch.setattr(services.stock, "reserve_all", down)
    with pytest.raises(RuntimeError):
        await place(services, ANA, "o-2")
    assert await services.orders.find_many({}) == []
    monkeypatch.setattr(services.stock, "reserve_all", real)
    placed = await place(services, ANA, "o-2")  # the same request, once the store is back
    assert placed["status"] == "reserved"
    assert await db.levels(services) == [(8, 2, 0), (10, 0, 0)]


async def test_a_payments_replay_sells_the_holds_a_crash_left(
    store: tuple[Store, Services], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, services = store
    order = await place(services, ANA, "o-1")
    real = services.stock.sell_all

    async def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the process died after the order's commit")

    monkeypatch.setattr(services.stock, "sell_all", crash)
    with pytest.raises(RuntimeError):
        await pay(services, ANA, "pay-1", order)
    assert (await db.order_doc(order["id"]))["status"] == "paid"
    assert await db.levels(services) == [(8, 2, 0), (10, 0, 0)]  # still held, not sold
    monkeypatch.setattr(services.stock, "sell_all", real)
    paid = await pay(services, ANA, "pay-1", order)
    assert (paid["status"], paid["version"]) == ("paid", 2)
    assert await db.levels(services) == [(8, 0, 2), (10, 0, 0)]


async def test_two_processes_placing_the_same_order_make_one(
    store: tuple[Store, Services], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes share no in-process lock of the key (`IN_FLIGHT`): both may read no
    order; the holds are keyed by the order's id (its key's), and the second insert finds the
    first's order with its answer."""

    class NoLock:
        @asynccontextmanager
        async def hold(self, _: object) -> AsyncIterator[None]:
            yield

    db, first_process = store
    second_process = db.process()
    monkeypatch.setattr(web, "IN_FLIGHT", NoLock())
    one, two = await asyncio.gather(
        place(first_process, ANA, "o-1", quantity=3), place(second_process, ANA, "o-1", quantity=3)
    )
    assert one == two
    assert len(await first_process.orders.find_many({})) == 1
    assert await db.levels(first_process) == [(7, 3, 0), (10, 0, 0)]

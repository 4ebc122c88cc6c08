"""Where trade keeps its aggregates (each document also carries its outbox), and the stock.

A product's stock is a document of its own in `stock` (same id as the product): counters
`available`, `reserved`, `sold`, the reservations that hold units (`holds`, by order id) and
the recounts applied (`adjustments`). Nothing else writes it (it has no outbox, so no relay
touches it) and every change is one conditional update, never a read-modify-write: a
reservation's condition (`available >= quantity`, the order's hold not there yet) and its
`$inc` are one `find_one_and_update`.

On MongoDB that alone keeps two processes from selling the same unit. FerretDB v1 (the local
store) applies an update as read, modify, write back without guarding against a writer on
another connection: measured, two trade processes racing 64 buyers for 10 units took 11
orders. So each stock change also holds the product's store lock (`StockLocks`): a document
in `stock_locks` whose insert succeeds for one writer at a time (a duplicate `_id` is refused
atomically by the store), released by deleting it, taken over when its holder died (expired).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from megp_common.errors import Unavailable
from megp_common.mongo import (
    DOCUMENT_LOCKS,
    AggregateRepository,
    Document,
    namespace,
)
from trade.domain.channel import Channel
from trade.domain.exchange import DailyRate
from trade.domain.group import GroupRecord
from trade.domain.order import Order
from trade.domain.product import Product
from trade.domain.purchasing import PurchasingRound
from trade.domain.stock import StockLevel

COUNTERS = {"available": 1, "reserved": 1, "sold": 1}
#: How many recount ids a stock document remembers (a retry comes far sooner).
ADJUSTMENT_MEMORY = 200


def level_of(doc: Mapping[str, Any]) -> StockLevel:
    return StockLevel(int(doc["available"]), int(doc["reserved"]), int(doc["sold"]))


class StockLocks:
    """One writer at a time per product, across processes, on a store without transactions."""

    collection = "stock_locks"
    indexes: tuple[IndexModel, ...] = ()

    def __init__(self, db: AsyncDatabase[Document], *, lease_s: float = 10.0) -> None:
        self.col, self.lease_s = db[self.collection], lease_s

    @asynccontextmanager
    async def hold(self, product_id: str, wait_s: float = 20.0) -> AsyncIterator[None]:
        owner, deadline, pause = uuid.uuid4().hex, time.monotonic() + wait_s, 0.002
        while True:
            try:
                await self.col.insert_one(
                    {"_id": product_id, "owner": owner, "until": time.time() + self.lease_s}
                )
                break
            except DuplicateKeyError:
                held = await self.col.find_one({"_id": product_id})
                if held is not None and float(held.get("until", 0)) < time.time():
                    # its holder died mid-change: the lease ran out, take it over
                    await self.col.delete_one({"_id": product_id, "owner": held["owner"]})
                    continue
                if time.monotonic() > deadline:
                    raise Unavailable(
                        f"the stock of product {product_id} is busy; try again", retry_after_s=1
                    ) from None
                await asyncio.sleep(pause * (1 + random.random()))
                pause = min(pause * 1.5, 0.05)
        try:
            yield
        finally:
            await self.col.delete_one({"_id": product_id, "owner": owner})


class StockRepository:
    collection = "stock"
    indexes: tuple[IndexModel, ...] = ()

    def __init__(self, db: AsyncDatabase[Document], locks: StockLocks) -> None:
        self.col, self.locks = db[self.collection], locks

    async def open(self, product_id: str, available: int) -> None:
        """The counters of a new product (a retry of the same listing finds them there)."""
        doc = {"_id": product_id, "available": available, "reserved": 0, "sold": 0}
        with suppress(DuplicateKeyError):
            await self.col.insert_one(doc | {"holds": {}, "adjustments": []})

    async def level(self, product_id: str) -> StockLevel:
        doc = await self.col.find_one({"_id": product_id}, COUNTERS)
        return level_of(doc) if doc else StockLevel(0)

    async def levels(self, product_ids: list[str]) -> dict[str, StockLevel]:
        cursor = self.col.find({"_id": {"$in": product_ids}}, COUNTERS)
        return {d["_id"]: level_of(d) async for d in cursor}

    async def _update(
        self, product_id: str, condition: Document, update: Document
    ) -> Document | None:
        in_process = DOCUMENT_LOCKS.hold(namespace(self.col), product_id)
        async with in_process, self.locks.hold(product_id):
            found: Document | None = await self.col.find_one_and_update(
                {"_id": product_id, **condition},
                update,
                return_document=ReturnDocument.AFTER,  # FerretDB v1 takes no projection
            )
        return found

    async def reserve(
        self, product_id: str, order_id: str, quantity: int, until: datetime
    ) -> StockLevel | None:
        """Hold `quantity` units for the order, or None when fewer are available. A retry of
        the same order's reservation finds its hold and takes nothing more."""
        hold = f"holds.{order_id}"
        after = await self._update(
            product_id,
            {"available": {"$gte": quantity}, hold: {"$exists": False}},
            {
                "$inc": {"available": -quantity, "reserved": quantity},
                "$set": {hold: {"quantity": quantity, "until": until}},
            },
        )
        if after is not None:
            return level_of(after)
        doc = await self.col.find_one({"_id": product_id, hold: {"$exists": True}}, COUNTERS)
        return level_of(doc) if doc else None

    async def release(self, product_id: str, order_id: str, quantity: int) -> bool:
        """Give the order's held units back; False when it holds none (released already)."""
        hold = f"holds.{order_id}"
        after = await self._update(
            product_id,
            {f"{hold}.quantity": quantity},
            {"$inc": {"available": quantity, "reserved": -quantity}, "$unset": {hold: ""}},
        )
        return after is not None

    async def sell(self, product_id: str, order_id: str, quantity: int) -> bool:
        """The order is paid: its held units are sold. False when it holds none."""
        hold = f"holds.{order_id}"
        after = await self._update(
            product_id,
            {f"{hold}.quantity": quantity},
            {"$inc": {"reserved": -quantity, "sold": quantity}, "$unset": {hold: ""}},
        )
        return after is not None

    async def adjust(self, product_id: str, adjustment_id: str, delta: int) -> StockLevel | None:
        """Add (or take away) `delta` available units once per `adjustment_id`; None when the
        change would take units below what is reserved."""
        after = await self._update(
            product_id,
            {"available": {"$gte": -delta}, "adjustments": {"$ne": adjustment_id}},
            {
                "$inc": {"available": delta},
                "$push": {"adjustments": {"$each": [adjustment_id], "$slice": -ADJUSTMENT_MEMORY}},
            },
        )
        if after is not None:
            return level_of(after)
        done = await self.col.find_one({"_id": product_id, "adjustments": adjustment_id}, COUNTERS)
        return level_of(done) if done else None


class ProductRepository(AggregateRepository[Product]):
    collection = "products"
    model = Product
    indexes = (IndexModel([("group_id", ASCENDING)]), IndexModel([("state", ASCENDING)]))


class OrderRepository(AggregateRepository[Order]):
    collection = "orders"
    model = Order
    indexes = (IndexModel([("status", ASCENDING)]),)

    async def reserved_until_before(self, now: datetime, limit: int = 200) -> list[Order]:
        """Unpaid orders whose reservation ran out (the scheduler expires them)."""
        return await self.find_many(
            {"status": "reserved", "reserved_until": {"$lte": now}}, limit=limit, scalar_eq=True
        )


class GroupRepository(AggregateRepository[GroupRecord]):
    collection = "groups"
    model = GroupRecord


class RoundRepository(AggregateRepository[PurchasingRound]):
    """Collective purchasing rounds [¶30, ¶69], each with its demands, quotes and allocations."""

    collection = "purchasing_rounds"
    model = PurchasingRound
    indexes = (IndexModel([("status", ASCENDING)]), IndexModel([("state", ASCENDING)]))


class ChannelRepository(AggregateRepository[Channel]):
    """Sales channels with their terms [¶53, ¶96, ¶97]; the marketplace is one of them."""

    collection = "channels"
    model = Channel
    indexes = (IndexModel([("kind", ASCENDING)]),)


class RateRepository(AggregateRepository[DailyRate]):
    """The exchange rates recorded per currency and day (id "USD:2027-03-01")."""

    collection = "exchange_rates"
    model = DailyRate


ALL = (
    ProductRepository,
    OrderRepository,
    GroupRepository,
    RoundRepository,
    ChannelRepository,
    RateRepository,
)
#: Collections without an outbox
PLAIN = (StockRepository, StockLocks)

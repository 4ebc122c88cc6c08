"""Where trade keeps its aggregates (each document also carries its outbox).

A product's stock counters (`available`, `reserved`, `sold`) and the reservations that hold
units (`holds`, by order id) live in the product's document but outside the Product aggregate:
only the single conditional updates below change them, never a read-modify-write, so no two
writers can sell the same unit. The reservation's condition (`available >= quantity`, the
order's hold not there yet) and its `$inc` are one `find_one_and_update`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from megp_common.aggregate import Aggregate
from megp_common.contracts import trade as ev
from megp_common.errors import Conflict
from megp_common.mongo import (
    DOCUMENT_LOCKS,
    OUTBOX_FLAG,
    OUTBOX_PENDING_VALUE,
    AggregateRepository,
    Document,
    namespace,
)
from trade.domain.group import GroupRecord
from trade.domain.order import Order
from trade.domain.product import Product
from trade.domain.stock import StockLevel

COUNTERS = {"available": 1, "reserved": 1, "sold": 1}


def level_of(doc: Mapping[str, Any]) -> StockLevel:
    return StockLevel(int(doc["available"]), int(doc["reserved"]), int(doc["sold"]))


class _StockNews(Aggregate):
    """Carries a stock event to the outbox writer (the product's document is its home)."""

    group_id: str
    state: str

    def partition_key(self) -> str:
        return self.group_id

    def state_code(self) -> str | None:
        return self.state


class ProductRepository(AggregateRepository[Product]):
    collection = "products"
    model = Product
    indexes = (IndexModel([("group_id", ASCENDING)]), IndexModel([("state", ASCENDING)]))

    async def list_(self, product: Product, stock: int) -> None:
        """Insert a new product with its counters and its ProductListed, in one write."""
        entries = self._outbox.entries(product)
        doc = self._state(product) | {
            "version": 1,
            "outbox": entries,
            OUTBOX_FLAG: OUTBOX_PENDING_VALUE,
            "available": stock,
            "reserved": 0,
            "sold": 0,
            "holds": {},
        }
        try:
            async with DOCUMENT_LOCKS.hold(namespace(self.col), product.id):
                await self.col.insert_one(doc)
        except DuplicateKeyError as exc:
            raise Conflict(f"product {product.id} already exists") from exc
        self._committed(product, 1, entries)

    async def level(self, product_id: str) -> StockLevel | None:
        doc = await self.col.find_one({"_id": product_id}, COUNTERS)
        return level_of(doc) if doc else None

    async def with_levels(
        self, query: Mapping[str, Any], *, limit: int = 0
    ) -> list[tuple[Product, StockLevel]]:
        cursor = self.col.find(
            dict(query), {"outbox": 0, OUTBOX_FLAG: 0, "holds": 0}, sort=[("_id", 1)], limit=limit
        )
        return [(self._load(d), level_of(d)) async for d in cursor]

    async def _update(
        self, product_id: str, condition: Document, update: Document
    ) -> Document | None:
        async with DOCUMENT_LOCKS.hold(namespace(self.col), product_id):
            found: Document | None = await self.col.find_one_and_update(
                {"_id": product_id, **condition},
                update,
                return_document=ReturnDocument.AFTER,  # FerretDB v1 takes no projection here
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

    async def adjust(
        self, product: Product, delta: int, reason: str, now: datetime, attempts: int = 20
    ) -> StockLevel | None:
        """Add (or take away) `delta` available units and announce StockAdjusted in the same
        write: compare-and-set on the counters read, retried when a reservation moved them.
        None when the change would take units below what is reserved."""
        for _ in range(attempts):
            current = await self.level(product.id)
            if current is None or not current.can_adjust(delta):
                return None
            after = current.adjust(delta)
            news = _StockNews(id=product.id, group_id=product.group_id, state=product.state)
            news.record(
                ev.StockAdjusted(
                    product_id=product.id,
                    group_id=product.group_id,
                    state_code=product.state,
                    delta=delta,
                    available=after.available,
                    reserved=after.reserved,
                    reason=reason,
                    adjusted_at=now,
                )
            )
            entries = self._outbox.entries(news)
            done = await self._update(
                product.id,
                {"available": current.available, "reserved": current.reserved},
                {
                    "$inc": {"available": delta},
                    "$push": {"outbox": {"$each": entries}},
                    "$set": {OUTBOX_FLAG: OUTBOX_PENDING_VALUE},
                },
            )
            if done is not None:
                if self._outbox.notify:
                    self._outbox.notify(self.collection, product.id, entries)
                return level_of(done)
        raise Conflict(f"the stock of product {product.id} keeps changing; try again")


class OrderRepository(AggregateRepository[Order]):
    collection = "orders"
    model = Order
    indexes = (IndexModel([("status", ASCENDING)]),)

    async def reserved_until_before(self, now: datetime, limit: int = 200) -> list[Order]:
        """Unpaid orders whose reservation ran out (the scheduler expires them)."""
        return await self.find_many(
            {"status": "reserved", "reserved_until": {"$lte": now}}, limit=limit
        )


class GroupRepository(AggregateRepository[GroupRecord]):
    collection = "groups"
    model = GroupRecord


ALL = (ProductRepository, OrderRepository, GroupRepository)

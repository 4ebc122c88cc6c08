"""The webhooks service's Mongo collections; every store filter is built here.

- `subscriptions`: one document per subscription;
- `holdings`: which bank holds a fund in trust or lends a line or a loan (`_id` = kind:key);
- `deliveries`: one document per (subscription, event), `_id` = subscription:event, so an
  event consumed twice is queued once; its `attempts` are the delivery log.

Every filter compares scalar strings (`bank`, `status`, `subscription_id`), so each says so
(`SCALAR_EQ`): the store answers it from SQLite instead of decoding the collection, which a
queue's head, read every poll interval per subscription, cannot afford once the delivery log
holds thousands of documents."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from megp_common.mongo import SCALAR_EQ, Document
from webhooks.domain.catalogue import Holding
from webhooks.domain.subscription import ACTIVE, Subscription

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class SubscriptionRepository:
    collection = "subscriptions"
    indexes = [IndexModel([("bank", ASCENDING)])]

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.c = db[self.collection]

    async def add(self, sub: Subscription) -> None:
        await self.c.insert_one({"_id": sub.id, **asdict(sub)})

    async def save(self, sub: Subscription) -> None:
        await self.c.replace_one({"_id": sub.id}, {"_id": sub.id, **asdict(sub)})

    async def get(self, sub_id: str) -> Subscription | None:
        doc = await self.c.find_one({"_id": sub_id})
        return _subscription(doc) if doc else None

    async def of_bank(self, bank: str | None, limit: int = 100) -> list[Subscription]:
        """A bank's subscriptions, or every bank's for None."""
        cursor = (
            self.c.find({} if bank is None else {"bank": bank}, comment=SCALAR_EQ)
            .sort("created_at", ASCENDING)
            .limit(limit)
        )
        return [_subscription(d) async for d in cursor]

    async def active(self) -> list[Subscription]:
        return [_subscription(d) async for d in self.c.find({"status": ACTIVE}, comment=SCALAR_EQ)]


def _subscription(doc: Document) -> Subscription:
    fields = {k: v for k, v in doc.items() if k != "_id"}
    return Subscription(**fields)


class HoldingRepository:
    collection = "holdings"
    indexes: list[IndexModel] = []

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.c = db[self.collection]

    async def learn(self, holding: Holding) -> None:
        key = f"{holding.kind}:{holding.key}"
        await self.c.replace_one(
            {"_id": key}, {"_id": key, "bank": holding.bank, "kind": holding.kind}, upsert=True
        )

    async def bank(self, kind: str, key: str) -> str | None:
        doc = await self.c.find_one({"_id": f"{kind}:{key}"})
        return str(doc["bank"]) if doc else None


class DeliveryRepository:
    collection = "deliveries"
    indexes = [
        IndexModel([("subscription_id", ASCENDING), ("status", ASCENDING), ("seq", ASCENDING)]),
    ]

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.c = db[self.collection]

    async def enqueue(self, doc: Document) -> bool:
        """Queue a delivery; False when this (subscription, event) was queued already."""
        try:
            await self.c.insert_one({**doc, "status": PENDING, "attempts": [], "attempt_count": 0})
        except DuplicateKeyError:
            return False
        return True

    async def head(self, subscription_id: str) -> Document | None:
        """The oldest delivery still to make: the queue is strictly in order."""
        cursor = (
            self.c.find({"subscription_id": subscription_id, "status": PENDING}, comment=SCALAR_EQ)
            .sort("seq", ASCENDING)
            .limit(1)
        )
        async for doc in cursor:
            return doc
        return None

    async def attempted(
        self,
        delivery_id: str,
        attempt: dict[str, Any],
        status: str,
        next_attempt_at: float,
        *,
        failing_since: float | None,
    ) -> None:
        """Log an attempt; `failing_since` is when the failures in a row began (None after a
        success)."""
        await self.c.update_one(
            {"_id": delivery_id},
            {
                "$push": {"attempts": attempt},
                "$inc": {"attempt_count": 1},
                "$set": {
                    "status": status,
                    "next_attempt_at": next_attempt_at,
                    "failing_since": failing_since,
                },
            },
        )

    async def replay(self, delivery_id: str, when: float) -> None:
        await self.c.update_one(
            {"_id": delivery_id},
            {"$set": {"status": PENDING, "next_attempt_at": when, "failing_since": None}},
        )

    async def get(self, delivery_id: str) -> Document | None:
        return await self.c.find_one({"_id": delivery_id})

    async def of(
        self, subscription_id: str, status: str | None = None, limit: int = 100
    ) -> list[Document]:
        query: Document = {"subscription_id": subscription_id}
        if status is not None:
            query["status"] = status
        cursor = self.c.find(query, comment=SCALAR_EQ).sort("seq", ASCENDING).limit(limit)
        return [d async for d in cursor]


def as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


ALL = (SubscriptionRepository, HoldingRepository, DeliveryRepository)

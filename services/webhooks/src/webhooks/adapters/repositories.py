"""The webhooks service's Mongo collections; every store filter is built here.

- `subscriptions`: one document per subscription;
- `holdings`: which bank holds a fund in trust or lends a line or a loan (`_id` = kind:key);
- `deliveries`: one document per (subscription, event), `_id` = subscription:event, so an
  event consumed twice is queued once; its `attempts` are the delivery log;
- `queue`: the deliveries still to make (same `_id`), the queues the dispatcher works;
- `notices`: what the bank was told (`domain/notices.py`);
- `locks`, `queue_leases`: `megp_common.locks`, one process per queue at a time.

Every filter compares scalar strings (`bank`, `status`, `subscription_id`), so each says so
(`SCALAR_EQ`): the store answers it from SQLite instead of decoding the collection, which a
queue's head, read every poll interval, cannot afford once the delivery log holds thousands
of documents."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict
from datetime import datetime
from typing import Any, TypeVar

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from megp_common.locks import StoreLocks
from megp_common.mongo import SCALAR_EQ, Document
from webhooks.domain.catalogue import Holding
from webhooks.domain.notices import Notice
from webhooks.domain.subscription import ACTIVE, Subscription

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
T = TypeVar("T")
DUPLICATE_KEY = 11000


class SubscriptionRepository:
    collection = "subscriptions"
    indexes = [IndexModel([("bank", ASCENDING)]), IndexModel([("status", ASCENDING)])]

    def __init__(self, db: AsyncDatabase[Document], locks: StoreLocks) -> None:
        self.c, self.locks = db[self.collection], locks

    async def add(self, sub: Subscription) -> None:
        await self.c.insert_one({"_id": sub.id, **asdict(sub)})

    async def change(
        self, sub_id: str, change: Callable[[Subscription], T]
    ) -> tuple[Subscription, T] | None:
        """Read, change and write one subscription while holding its store lock: the routes of
        any webhooks process and the queue's holder (disabling a failing one) write it, and a
        whole-document write must not undo another's (a rotated secret, say)."""
        async with self.locks.hold(f"subscription:{sub_id}"):
            sub = await self.get(sub_id)
            if sub is None:
                return None
            result = change(sub)
            await self.c.replace_one({"_id": sub.id}, {"_id": sub.id, **asdict(sub)})
            return sub, result

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

    async def active(self, bank: str | None = None) -> list[Subscription]:
        query: Document = {"status": ACTIVE} | ({} if bank is None else {"bank": bank})
        return [_subscription(d) async for d in self.c.find(query, comment=SCALAR_EQ)]

    async def active_ids(self) -> set[str]:
        found = self.c.find({"status": ACTIVE}, {"_id": 1}, comment=SCALAR_EQ)
        return {str(d["_id"]) async for d in found}


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
    """The delivery log (`deliveries`, every delivery kept, with its attempts) and the queues
    (`queue`: only the deliveries still to make, so finding a queue's head reads the few
    pending ones, not the whole log). One document each per (subscription, event), same `_id`.
    A queue entry is written only by its subscription's lease holder, and by a replay (which
    re-queues a failed delivery, which no queue holds any more)."""

    collection = "deliveries"
    indexes = [
        IndexModel([("subscription_id", ASCENDING), ("status", ASCENDING), ("seq", ASCENDING)]),
    ]
    QUEUE = "queue"
    queue_indexes = [IndexModel([("subscription_id", ASCENDING), ("seq", ASCENDING)])]

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.c = db[self.collection]
        self.q = db[self.QUEUE]

    async def enqueue(self, doc: Document) -> bool:
        """Log and queue a delivery; False when this (subscription, event) was queued already
        (a pending one whose queue entry a crash lost is queued again)."""
        return await self.enqueue_many([doc]) == 1

    async def enqueue_many(self, docs: list[Document]) -> int:
        """`enqueue` for one event's deliveries to many subscriptions, in two writes (one to
        the log, one to the queues) rather than two per subscription; how many were new."""
        if not docs:
            return 0
        logged = [{**d, "status": PENDING, "attempts": [], "attempt_count": 0} for d in docs]
        again = set(await _insert_new(self.c, logged))
        for doc in docs:
            if doc["_id"] in again:  # a redelivered event: queue it only if still pending
                found = await self.c.find_one({"_id": doc["_id"]})
                if found is not None and found.get("status") == PENDING:
                    await self._queue(found, int(found.get("attempt_count", 0)))
        entries = [self._entry(d, 0) for d in docs if d["_id"] not in again]
        await _insert_new(self.q, entries)
        return len(docs) - len(again)

    @staticmethod
    def _entry(delivery: Document, attempt_count: int) -> Document:
        return {
            "_id": delivery["_id"],
            "subscription_id": delivery["subscription_id"],
            "seq": delivery["seq"],
            "next_attempt_at": 0.0,
            "attempt_count": attempt_count,
            "failing_since": None,
        }

    async def _queue(self, delivery: Document, attempt_count: int) -> None:
        """The queue entry of a logged delivery: small (no body), since the dispatcher's look
        for due work reads every entry."""
        with suppress(DuplicateKeyError):
            await self.q.insert_one(self._entry(delivery, attempt_count))

    async def head(self, subscription_id: str) -> Document | None:
        """The queue's oldest entry: the queue is strictly in order."""
        cursor = (
            self.q.find({"subscription_id": subscription_id}, comment=SCALAR_EQ)
            .sort("seq", ASCENDING)
            .limit(1)
        )
        async for doc in cursor:
            return doc
        return None

    async def with_due_work(self, now: float) -> set[str]:
        """The subscriptions whose queue holds an entry due by `now`."""
        query = {"next_attempt_at": {"$lte": now}}
        return {str(s) for s in await self.q.distinct("subscription_id", query)}

    async def attempted(
        self,
        entry: Document,
        attempt: dict[str, Any],
        status: str,
        next_attempt_at: float,
        *,
        failing_since: float | None,
    ) -> None:
        """Log an attempt; a delivered or failed delivery leaves its queue. `failing_since` is
        when the failures in a row began (None after a success)."""
        delivery_id = entry["_id"]
        await self.c.update_one(
            {"_id": delivery_id},
            {
                "$push": {"attempts": attempt},
                "$inc": {"attempt_count": 1},
                "$set": {"status": status, "failing_since": failing_since},
            },
        )
        if status == PENDING:
            await self.q.update_one(
                {"_id": delivery_id},
                {
                    "$set": {
                        "next_attempt_at": next_attempt_at,
                        "attempt_count": int(entry.get("attempt_count", 0)) + 1,
                        "failing_since": failing_since,
                    }
                },
            )
        else:
            await self.q.delete_one({"_id": delivery_id})

    async def replay(self, delivery_id: str) -> None:
        """Queue a failed delivery again, in its place (its seq) and due at once; its attempts
        count on from where they stopped, so one more failure marks it failed again."""
        found = await self.c.find_one({"_id": delivery_id})
        if found is None:
            return
        await self.c.update_one(
            {"_id": delivery_id}, {"$set": {"status": PENDING, "failing_since": None}}
        )
        await self._queue(found, int(found.get("attempt_count", 0)))

    async def resume(self, subscription_id: str) -> None:
        """A re-enabled subscription's queue starts again at once, its failing clock reset (so
        it is not disabled again on its first failure)."""
        await self.q.update_many(
            {"subscription_id": subscription_id},
            {"$set": {"next_attempt_at": 0.0, "failing_since": None}},
        )

    async def get(self, delivery_id: str) -> Document | None:
        return await self.c.find_one({"_id": delivery_id})

    async def pending_count(self, subscription_id: str) -> int:
        return await self.q.count_documents({"subscription_id": subscription_id}, comment=SCALAR_EQ)

    async def of(
        self, subscription_id: str, status: str | None = None, limit: int = 100
    ) -> list[Document]:
        query: Document = {"subscription_id": subscription_id}
        if status is not None:
            query["status"] = status
        cursor = self.c.find(query, comment=SCALAR_EQ).sort("seq", ASCENDING).limit(limit)
        return [d async for d in cursor]


class NoticeRepository:
    """`notices`: what the service told each bank about its subscriptions, newest last."""

    collection = "notices"
    indexes = [IndexModel([("bank", ASCENDING)])]

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.c = db[self.collection]

    async def add(self, notice: Notice) -> bool:
        try:
            await self.c.insert_one({"_id": notice.id, **asdict(notice)})
        except DuplicateKeyError:
            return False
        return True

    async def of_bank(self, bank: str | None, limit: int = 100) -> list[Notice]:
        query: Document = {} if bank is None else {"bank": bank}
        cursor = self.c.find(query, comment=SCALAR_EQ).sort("at", ASCENDING).limit(limit)
        return [Notice(**{k: v for k, v in d.items() if k != "_id"}) async for d in cursor]


async def _insert_new(col: AsyncCollection[Document], docs: list[Document]) -> list[Any]:
    """Insert every document whose `_id` is new; the `_id`s that were there already."""
    if not docs:
        return []
    try:
        await col.insert_many(docs, ordered=False)
    except BulkWriteError as error:
        errors = error.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        return [docs[e["index"]]["_id"] for e in errors]
    return []


def as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


LOCKS = "locks"
LEASES = "queue_leases"


def collections() -> dict[str, list[IndexModel]]:
    """Every collection the service makes, with its indexes."""
    return {
        SubscriptionRepository.collection: SubscriptionRepository.indexes,
        HoldingRepository.collection: HoldingRepository.indexes,
        DeliveryRepository.collection: DeliveryRepository.indexes,
        DeliveryRepository.QUEUE: DeliveryRepository.queue_indexes,
        NoticeRepository.collection: NoticeRepository.indexes,
        LOCKS: [],
        LEASES: [],
    }

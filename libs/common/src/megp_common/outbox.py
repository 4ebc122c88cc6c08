"""The relay that moves committed events from aggregate documents to Kafka.

An aggregate document carries the events committed with its state in an `outbox` array. The relay
publishes a document's pending events in order with the idempotent producer, waits for the
broker's acknowledgement, and only then removes exactly those entries (`$pullAll`). A crash
between the two leaves them in place, so they are published again after restart: a duplicate
that consumers recognize by event id. Nothing is lost and nothing is applied twice.

Commits in this process wake the relay for the documents they touched; a periodic sweep (and one
at start-up) picks up whatever an earlier process left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Sequence

import structlog
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from megp_common.bus import KafkaBus, OutgoingRecord
from megp_common.metrics import OUTBOX_PENDING
from megp_common.mongo import DOCUMENT_LOCKS, Document, namespace

log = structlog.get_logger(__name__)

# For the crash tests only: the relay exits the process right after publishing, before clearing.
FAULT_ENV = "MEGP_FAULT_RELAY_EXIT_AFTER_PUBLISH"


class OutboxRelay:
    def __init__(
        self,
        db: AsyncDatabase[Document],
        bus: KafkaBus,
        collections: Sequence[str],
        *,
        service: str,
        sweep_interval_s: float = 5.0,
        batch: int = 200,
    ) -> None:
        self._db, self._bus = db, bus
        self._collections = list(collections)
        self._service = service
        self._sweep_interval = sweep_interval_s
        self._batch = batch
        self._dirty: dict[str, set[str]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._fault = os.environ.get(FAULT_ENV) == "1"
        self.published = 0

    def notify(self, collection: str, doc_id: str) -> None:
        self._dirty.setdefault(collection, set()).add(doc_id)
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self._service}-outbox-relay")

    async def stop(self) -> None:
        """Flush what this process committed, then stop."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        with contextlib.suppress(Exception):
            await self._flush_dirty()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        await self._guarded(self.sweep)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._sweep_interval)
            if self._wake.is_set():
                self._wake.clear()
                await self._guarded(self._flush_dirty)
            else:
                await self._guarded(self.sweep)

    async def _guarded(self, step: object) -> None:
        try:
            await step()  # type: ignore[operator]
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the broker or the store is away: retry on the next turn
            log.warning("outbox relay step failed; will retry", error=repr(exc))
            await asyncio.sleep(1.0)
            self._wake.set()

    async def _flush_dirty(self) -> None:
        dirty, self._dirty = self._dirty, {}
        try:
            for collection, ids in dirty.items():
                ids_list = list(ids)
                for i in range(0, len(ids_list), self._batch):
                    chunk = ids_list[i : i + self._batch]
                    docs = await asyncio.gather(*(self._pending(collection, d) for d in chunk))
                    await self._publish_docs(collection, [d for d in docs if d])
        except BaseException:
            for collection, ids in dirty.items():  # keep them for the next turn
                self._dirty.setdefault(collection, set()).update(ids)
            raise

    async def _pending(self, collection: str, doc_id: str) -> Document | None:
        # One lookup by _id each rather than one `$in` query: `$in` is never an index search on
        # FerretDB v1, a lookup by _id is (see deploy/local/store.sh).
        doc = await self._db[collection].find_one({"_id": doc_id}, {"outbox": 1})
        return doc if doc and doc.get("outbox") else None

    @staticmethod
    async def _clear(col: AsyncCollection[Document], doc: Document) -> None:
        """Remove exactly the entries that were published; later ones stay for the next turn."""
        async with DOCUMENT_LOCKS.hold(namespace(col), doc["_id"]):
            await col.update_one({"_id": doc["_id"]}, {"$pullAll": {"outbox": doc["outbox"]}})

    async def sweep(self) -> int:
        """Publish every pending outbox entry in every collection; return how many."""
        total = 0
        for collection in self._collections:
            cursor = self._db[collection].find({"outbox.0": {"$exists": True}}, {"outbox": 1})
            docs = [d async for d in cursor]
            OUTBOX_PENDING.labels(self._service).set(sum(len(d["outbox"]) for d in docs))
            for i in range(0, len(docs), self._batch):
                total += await self._publish_docs(collection, docs[i : i + self._batch])
        return total

    async def _publish_docs(self, collection: str, docs: list[Document]) -> int:
        if not docs:
            return 0
        records = [
            OutgoingRecord(
                topic=e["topic"],
                key=e["key"],
                value=e["body"].encode(),
                event_type=e.get("type", ""),
            )
            for d in docs
            for e in d["outbox"]
        ]
        await self._bus.publish_many(records)
        if self._fault:
            log.error("fault injection: exiting after publish, before clearing the outbox")
            os._exit(17)
        col = self._db[collection]
        await asyncio.gather(*(self._clear(col, d) for d in docs))
        self.published += len(records)
        return len(records)

"""The relay that moves committed events from aggregate documents to Kafka.

An aggregate document carries the events committed with its state in an `outbox` array. The relay
publishes a document's pending events in order with the idempotent producer, waits for the
broker's acknowledgement, and only then removes exactly those entries (`$pullAll`). A crash
between the two leaves them in place, so they are published again after restart: a duplicate
that consumers recognize by event id. Nothing is lost and nothing is applied twice.

A commit in this process hands the relay the entries it just wrote, in commit order, so the relay
publishes them without reading them back. A sweep at start-up, and every `sweep_interval_s`,
publishes whatever is still in any outbox: what an earlier process left behind, or what a failed
turn could not clear. It reads only documents a commit flagged (`outbox_flag`, set in the same
write as the entries, indexed): the clearing write drops the flag when it empties the outbox, so
the sweep reads what is really pending (and unflags the few it finds empty), not the size of the
store nor the last minute's commits. All of it runs in one task, so one
document's events leave in order; a sweep may repeat an event the fast path also sends, which
consumers drop as a duplicate.

A commit hands over its document's shard key as stored (AggregateRepository.shard_key), and the
sweep reads it with the entries: the clearing writes name it, so a sharded cluster routes them to
one shard. A key that changed since (a later commit gave the aggregate its state) misses, and
the entries are then pulled by `_id` alone.

Clearing is deferred by up to `clear_delay_s` and done once per document for everything it
published in that window: a busy aggregate then costs one clearing write per window instead of one
per event. Publishing is not delayed; a crash in the window only means more duplicates. The
window's clearing writes go to the store as one bulk write per collection (one command, one
statement per document): FerretDB takes a bulk write's statements at a fraction of the cost of
as many commands. It holds the locks of the documents no commit of this process is writing at
that moment; those with a commit under way are cleared one by one, after it, so no commit waits
behind a whole batch. The few documents a commit reached in the meantime (the outbox is no
longer exactly what was published) get a second bulk write that pulls just the published
entries. Where the document locks cross processes (each hold is a
store round trip), the relay clears document by document instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from megp_common.bus import KafkaBus, OutgoingRecord
from megp_common.metrics import OUTBOX_PENDING
from megp_common.mongo import (
    DOCUMENT_LOCKS,
    OUTBOX_FLAG,
    OUTBOX_PENDING_VALUE,
    SCALAR_EQ,
    SHARD_KEYS,
    Document,
    namespace,
    outbox_entry,
)

log = structlog.get_logger(__name__)

# For the crash tests only: the relay exits the process right after publishing, before clearing.
FAULT_ENV = "MEGP_FAULT_RELAY_EXIT_AFTER_PUBLISH"

DocKey = tuple[str, str]  # (collection, document id)
#: an outbox entry as the store holds it: one compressed value (`OutboxWriter.entries`), or the
#: nested document of an older commit; read with `megp_common.mongo.outbox_entry`. The relay
#: keeps entries in this form, so its clearing writes name exactly the values stored
Stored = Any

# Documents cleared by one bulk write (FerretDB takes 50-200 statements a command best).
CLEAR_BULK = 100


class OutboxRelay:
    def __init__(
        self,
        db: AsyncDatabase[Document],
        bus: KafkaBus,
        collections: Sequence[str],
        *,
        service: str,
        sweep_interval_s: float = 5.0,
        batch: int = 500,
        clear_delay_s: float = 0.25,
    ) -> None:
        self._db, self._bus = db, bus
        self._collections = list(collections)
        self._service = service
        self._sweep_interval = sweep_interval_s
        self._batch = batch
        self._fresh: dict[DocKey, list[Stored]] = {}
        self._published: dict[DocKey, list[Stored]] = {}  # published, not yet cleared
        self._keys: dict[DocKey, Document] = {}  # the shard key as stored, until cleared
        self._clear_delay = clear_delay_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._fault = os.environ.get(FAULT_ENV) == "1"
        self.published = 0

    def notify(
        self,
        collection: str,
        doc_id: str,
        entries: Sequence[Stored],
        key: Mapping[str, Any] | None = None,
    ) -> None:
        """Called right after a commit wrote `entries` into the document's outbox; `key`: the
        document's shard-key fields as that commit left them."""
        self._fresh.setdefault((collection, doc_id), []).extend(entries)
        if key:
            self._keys[(collection, doc_id)] = dict(key)
        self._wake.set()

    def _filter(self, key: DocKey) -> Document:
        return {"_id": key[1], **self._keys.get(key, {})}

    async def start(self) -> None:
        await self.ensure_index()
        self._task = asyncio.create_task(self._run(), name=f"{self._service}-outbox-relay")

    async def stop(self) -> None:
        """Publish what this process committed, then stop."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        with contextlib.suppress(Exception):
            await self._flush_fresh()
            await self._clear_published()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        await self._guarded(self.sweep)
        loop = asyncio.get_running_loop()
        next_sweep = loop.time() + self._sweep_interval
        next_clear = loop.time() + self._clear_delay
        while True:
            deadline = min(next_sweep, next_clear) if self._published else next_sweep
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, deadline - loop.time()))
            self._wake.clear()
            await self._guarded(self._flush_fresh)
            if loop.time() >= next_clear:
                await self._guarded(self._clear_published)
                next_clear = loop.time() + self._clear_delay
            if loop.time() >= next_sweep:
                await self._guarded(self._clear_published)
                await self._guarded(self.sweep)
                next_sweep = loop.time() + self._sweep_interval

    async def _guarded(self, step: object) -> None:
        try:
            await step()  # type: ignore[operator]
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the broker or the store is away: retry on the next turn
            log.warning("outbox relay step failed; will retry", error=repr(exc))
            await asyncio.sleep(1.0)
            self._wake.set()

    async def _flush_fresh(self) -> None:
        while self._fresh:
            keys = list(self._fresh)[: self._batch]
            turn = {k: self._fresh.pop(k) for k in keys}
            try:
                await self._publish(turn, clear_now=False)
            except BaseException:
                # put them back in front, keeping each document's order
                for key, entries in reversed(list(turn.items())):
                    later = self._fresh.pop(key, [])
                    self._fresh = {key: entries + later, **self._fresh}
                raise

    async def ensure_index(self) -> None:
        """The sweep's index: documents whose outbox may hold entries."""
        for collection in self._collections:
            await self._db[collection].create_index(OUTBOX_FLAG, name=OUTBOX_FLAG)

    async def sweep(self) -> int:
        """Publish every pending outbox entry in every collection; return how many. Reads only
        the documents a commit flagged (OUTBOX_FLAG), and unflags those found empty."""
        total = 0
        for collection in self._collections:
            shard_key = [
                f for f in SHARD_KEYS.get(f"{self._db.name}.{collection}", ()) if f != "_id"
            ]
            cursor = self._db[collection].find(
                {OUTBOX_FLAG: OUTBOX_PENDING_VALUE},
                {"outbox": 1, **dict.fromkeys(shard_key, 1)},
                comment=SCALAR_EQ,
            )
            # entries this process is already publishing or has published and not yet cleared
            # are the fast path's; sending them again would only make duplicates
            inflight = {
                _entry_id(e)
                for entries in (*self._fresh.values(), *self._published.values())
                for e in entries
            }
            found, empty = {}, []
            async for d in cursor:
                if shard_key:
                    self._keys.setdefault((collection, d["_id"]), {f: d.get(f) for f in shard_key})
                outbox = d.get("outbox") or []
                pending = [e for e in outbox if _entry_id(e) not in inflight]
                if pending:
                    found[(collection, d["_id"])] = pending
                elif not outbox:
                    empty.append(d["_id"])
            await self._unflag(collection, empty)
            for doc_id in empty:
                self._keys.pop((collection, doc_id), None)
            OUTBOX_PENDING.labels(self._service).set(sum(len(v) for v in found.values()))
            keys = list(found)
            for i in range(0, len(keys), self._batch):
                turn = {k: found[k] for k in keys[i : i + self._batch]}
                total += await self._publish(turn)
                self._forget_fresh(turn)
        return total

    def _forget_fresh(self, sent: dict[DocKey, list[Stored]]) -> None:
        """Entries the sweep just published and cleared that a commit handed to the fast path
        while the sweep ran (after the snapshot of what is in flight that the sweep skips):
        the sweep and the fast path take turns in one task, so the fast path has not sent them
        yet, and sending them again would only make duplicates."""
        for key, entries in sent.items():
            waiting = self._fresh.get(key)
            if not waiting:
                continue
            done = {_entry_id(e) for e in entries}
            left = [e for e in waiting if _entry_id(e) not in done]
            if left:
                self._fresh[key] = left
            else:
                del self._fresh[key]

    async def _unflag(self, collection: str, ids: list[Any]) -> None:
        """Drop the flag of documents whose outbox is empty; a commit since the read pushed
        entries, so the condition fails and the flag stays."""
        col = self._db[collection]
        for doc_id in ids:
            async with DOCUMENT_LOCKS.hold(namespace(col), doc_id):
                await col.update_one(
                    {**self._filter((collection, doc_id)), "outbox": {"$size": 0}},
                    {"$unset": {OUTBOX_FLAG: ""}},
                )

    async def _clear_published(self) -> None:
        done, self._published = self._published, {}
        try:
            await self._clear_all(done)
        except BaseException:
            for key, entries in done.items():  # clearing twice is harmless
                self._published.setdefault(key, []).extend(entries)
            raise

    async def _publish(self, turn: dict[DocKey, list[Stored]], *, clear_now: bool = True) -> int:
        records = [
            OutgoingRecord(
                topic=e["topic"],
                key=e["key"],
                value=e["body"].encode(),
                event_type=e.get("type", ""),
            )
            for entries in turn.values()
            for e in map(outbox_entry, entries)
        ]
        if not records:
            return 0
        await self._bus.publish_many(records)
        if self._fault:
            log.error("fault injection: exiting after publish, before clearing the outbox")
            os._exit(17)
        if clear_now:
            await self._clear_all(turn)
        else:
            for key, entries in turn.items():
                self._published.setdefault(key, []).extend(entries)
        self.published += len(records)
        return len(records)

    async def _clear_all(self, turn: dict[DocKey, list[Stored]]) -> None:
        by_collection: dict[str, dict[Any, list[Stored]]] = {}
        for (collection, doc_id), entries in turn.items():
            by_collection.setdefault(collection, {})[doc_id] = entries
        for collection, docs in by_collection.items():
            ids = list(docs)
            for i in range(0, len(ids), CLEAR_BULK):
                await self._clear_bulk(collection, {d: docs[d] for d in ids[i : i + CLEAR_BULK]})

    async def _clear_bulk(self, collection: str, docs: dict[Any, list[Stored]]) -> None:
        """`_clear` for many documents of one collection, in bulk writes. The documents no
        writer of this process holds are written together: each whose outbox is exactly what
        was published is emptied and unflagged in one bulk write; if some were not (a commit
        pushed more since), a second one pulls the published entries from those that still
        hold them (the emptied no longer match its filter; an array of documents is matched by
        a field of its items, as FerretDB v1 does not match an item by whole-document
        equality). Each filter names the document's shard key as its commit left it (a key
        changed since leaves the entries for the sweep, which publishes them again and clears
        them one by one: a repeat the consumers drop). A document with a commit under way is
        cleared on its own after it, as before: a bulk write never makes a commit wait for the
        whole batch."""
        col = self._db[collection]
        async with DOCUMENT_LOCKS.hold_idle(namespace(col), docs) as idle:
            if idle:
                emptied = await col.bulk_write(
                    [
                        UpdateOne(
                            {**self._filter((collection, doc_id)), "outbox": docs[doc_id]},
                            {"$set": {"outbox": []}, "$unset": {OUTBOX_FLAG: ""}},
                        )
                        for doc_id in idle
                    ],
                    ordered=False,
                )
                if emptied.matched_count < len(idle):
                    await col.bulk_write(
                        [
                            UpdateOne(
                                {**self._filter((collection, doc_id)), **_holding(docs[doc_id])},
                                {"$pullAll": {"outbox": docs[doc_id]}},
                            )
                            for doc_id in idle
                        ],
                        ordered=False,
                    )
                else:  # all emptied: their keys are no longer needed, unless newer work waits
                    for doc_id in idle:
                        key = (collection, doc_id)
                        if key not in self._fresh and key not in self._published:
                            self._keys.pop(key, None)
        busy = [doc_id for doc_id in docs if doc_id not in set(idle)]
        await asyncio.gather(*(self._clear((collection, d), docs[d]) for d in busy))

    async def _clear(self, key: DocKey, entries: list[Stored]) -> None:
        """Remove exactly the entries that were published; later ones stay for the next turn.
        When they are all the outbox holds (the usual case) the same write also drops the
        document's flag, so the sweep never has to visit it."""
        col = self._db[key[0]]
        where = self._filter(key)
        async with DOCUMENT_LOCKS.hold(namespace(col), key[1]):
            emptied = await col.update_one(
                {**where, "outbox": entries},
                {"$set": {"outbox": []}, "$unset": {OUTBOX_FLAG: ""}},
            )
            if emptied.matched_count == 0:  # later entries arrived: they keep the flag
                pulled = await col.update_one(where, {"$pullAll": {"outbox": entries}})
                if pulled.matched_count == 0 and len(where) > 1:  # the key changed since
                    await col.update_one({"_id": key[1]}, {"$pullAll": {"outbox": entries}})
            elif key not in self._fresh and key not in self._published:
                self._keys.pop(key, None)  # emptied, and nothing newer waits


def _entry_id(stored: Stored) -> Any:
    return outbox_entry(stored)["id"]


def _holding(entries: list[Stored]) -> Document:
    """A filter matching a document whose outbox still holds one of `entries`: by value for
    the compressed ones, by `id` for older nested ones (FerretDB v1 does not match an array
    item by whole-document equality)."""
    blobs = [e for e in entries if isinstance(e, bytes)]
    if blobs:
        return {"outbox": {"$in": blobs}}
    return {"outbox.id": {"$in": [e["id"] for e in entries]}}

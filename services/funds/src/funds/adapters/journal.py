"""The journal: every posted entry, immutable, one document each (`_id` = entry id).

Entries are posted into the fund document (in the same write as the balances they change) and
copied here afterwards by `JournalCopier`. Copying inserts with the entry's own id, so copying
twice is harmless; only once an entry is here is it removed from the fund document. Reads merge
the journal with the entries still waiting in the fund, so they never miss one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from datetime import date, datetime

import structlog
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from funds.adapters.repositories import (
    ARCHIVE_PENDING,
    FUND_MEMORY,
    FUND_PARTS,
    FUNDS,
    MEMORY,
    MEMORY_PENDING,
    MEMORY_V,
    PARTS_PENDING,
    PARTS_UPTO,
    PARTS_V,
    PENDING_ENTRIES,
    FundRepository,
    merged_ids,
)
from funds.domain.ledger import Checkpoint, Entry
from funds.domain.records import Obligation
from megp_common.aggregate import Aggregate
from megp_common.clock import as_utc
from megp_common.mongo import DOCUMENT_LOCKS, SCALAR_EQ, Document, namespace, pack, unpack

log = structlog.get_logger(__name__)

JOURNAL = "journal"
#: one document per fund (`_id` = the group): the balances of a prefix of its journal
#: (`ledger.Checkpoint`), so that the balances at a month's end are the previous month's plus
#: that month's entries, not the whole journal read again
CHECKPOINTS = "journal_checkpoints"
OBLIGATION_ARCHIVE = "obligation_archive"
JOURNAL_INDEXES = [IndexModel([("fund_id", ASCENDING), ("seq", ASCENDING)], unique=True)]
DUPLICATE_KEY = 11000
#: the fund's shard-key fields, read with what the copier moves and named in its pull
SHARD_READ = dict.fromkeys(FundRepository.shard_key, 1)
#: a fund's memory document is compacted (its chunks merged into one, each memory trimmed to
#: what a fund remembers) once it holds this many chunks
MEMORY_COMPACT_AT = 64
#: how many ids of each memory a compaction keeps: at least what a fund remembers
PARTS_ATTEMPTS = 8
MEMORY_KEEP = {
    "applied": Aggregate.APPLIED_MEMORY,
    "recent_entry_ids": 2000,
    "closed_obligations": 1000,
}


def entry_from(doc: Document) -> Entry:
    data = dict(doc)
    data["id"] = data.pop("_id", data.get("id"))
    return Entry.model_validate(data)


class Journal:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.col = db[JOURNAL]
        self.checkpoints = db[CHECKPOINTS]

    async def insert(self, docs: list[Document]) -> None:
        """Insert entries; those already there are left as they are."""
        if not docs:
            return
        try:
            await self.col.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            others = [e for e in exc.details.get("writeErrors", []) if e["code"] != DUPLICATE_KEY]
            if others:
                raise

    async def get(self, entry_id: str) -> Entry | None:
        doc = await self.col.find_one({"_id": entry_id})
        return entry_from(doc) if doc else None

    async def page(self, fund_id: str, after_seq: int, limit: int) -> list[Entry]:
        cursor = self.col.find(
            {"fund_id": fund_id, "seq": {"$gt": after_seq}},
            sort=[("seq", 1)],
            limit=limit,
            comment=SCALAR_EQ,
        )
        return [entry_from(doc) async for doc in cursor]

    async def until(self, fund_id: str, at: datetime | None, after_seq: int = 0) -> list[Entry]:
        """The fund's entries posted at or before `at` (None: all), numbered after
        `after_seq`, by number."""
        query: Document = {"fund_id": fund_id}
        if after_seq:
            query["seq"] = {"$gt": after_seq}
        if at is not None:
            query["posted_at"] = {"$lte": at}
        return [
            entry_from(doc)
            async for doc in self.col.find(query, sort=[("seq", 1)], comment=SCALAR_EQ)
        ]

    async def checkpoint(self, fund_id: str) -> Checkpoint | None:
        """The fund's latest balance checkpoint (`ledger.Checkpoint`), if one was stored."""
        doc = await self.checkpoints.find_one({"_id": fund_id})
        if doc is None:
            return None
        return Checkpoint(
            at=as_utc(datetime.fromisoformat(doc["at"])),
            upto_seq=int(doc["upto_seq"]),
            ahead=frozenset(doc.get("ahead") or ()),
            balances=unpack(doc["balances"], self.checkpoints.codec_options),
        )

    async def keep_checkpoint(self, fund_id: str, checkpoint: Checkpoint) -> None:
        """Store `checkpoint` as the fund's latest (one small document per fund, replaced:
        any checkpoint is true, so a second writer or a repeat only costs a write)."""
        await self.checkpoints.replace_one(
            {"_id": fund_id},
            {
                "at": checkpoint.at.isoformat(),  # to the microsecond (a BSON date keeps ms)
                "upto_seq": checkpoint.upto_seq,
                "ahead": sorted(checkpoint.ahead),
                "balances": pack(checkpoint.balances),
            },
            upsert=True,
        )


def merged(stored: Iterable[Entry], pending: Iterable[Entry]) -> list[Entry]:
    by_id = {e.id: e for e in stored}
    for entry in pending:
        by_id.setdefault(entry.id, entry)
    return sorted(by_id.values(), key=lambda e: e.seq)


class ObligationArchive:
    """Closed (settled or replaced) deposit obligations, one document per fund and period
    month (`_id` = "<fund>:<YYYY-MM>", obligations by id under `items`): every read is by
    `_id`, and storing the same obligation twice only writes it again."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.col = db[OBLIGATION_ARCHIVE]

    async def store(self, fund_id: str, closed: list[Document]) -> None:
        by_month: dict[str, Document] = {}
        for doc in closed:
            month = str(doc["period_start"])[:7]
            by_month.setdefault(month, {})[f"items.{doc['obligation_id']}"] = doc
        for month, items in by_month.items():
            await self.col.update_one(
                {"_id": f"{fund_id}:{month}"},
                {"$set": {"fund_id": fund_id, "month": month, **items}},
                upsert=True,
            )

    async def find(self, fund_id: str, period_start: date, obligation_id: str) -> Obligation | None:
        doc = await self.col.find_one({"_id": f"{fund_id}:{period_start:%Y-%m}"})
        item = ((doc or {}).get("items") or {}).get(obligation_id)
        return Obligation.model_validate(item) if item else None

    async def of_fund(self, fund_id: str, months: Iterable[str]) -> list[Obligation]:
        found: list[Obligation] = []
        for month in sorted(set(months)):
            doc = await self.col.find_one({"_id": f"{fund_id}:{month}"})
            found += [
                Obligation.model_validate(i) for i in ((doc or {}).get("items") or {}).values()
            ]
        return found


class JournalCopier:
    """Moves posted entries from fund documents to the journal, closed obligations to their
    archive and the ids commits added to the fund's memory document (like the outbox relay:
    copy, then remove exactly what was copied)."""

    def __init__(
        self,
        db: AsyncDatabase[Document],
        journal: Journal,
        interval_s: float = 1.0,
        archive: ObligationArchive | None = None,
        *,
        coalesce_s: float = 0.0,
        memory_keep: dict[str, int] | None = None,
        written: Callable[[str, str, Document], None] | None = None,
        where: Callable[[str], Document] | None = None,
    ) -> None:
        """`written(collection, fund id, document)`: told each side document as this copier
        left it (FundRepository.side_written keeps it, so this process's next reads of the
        fund need not read it again)."""
        self.funds, self.journal, self.interval_s = db[FUNDS], journal, interval_s
        self.memory = db[FUND_MEMORY]
        self.parts = db[FUND_PARTS]
        given = memory_keep or {}
        self.memory_keep = {k: max(v, given.get(k, 0)) for k, v in MEMORY_KEEP.items()}
        self.coalesce_s = coalesce_s
        self.written = written
        self.archive = archive or ObligationArchive(db)
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        # a fund's filter with its shard key as this process knows it (FundRepository.by_id)
        self.where = where or (lambda fund_id: {"_id": fund_id})

    def notify(self, fund_id: str) -> None:
        self._dirty.add(fund_id)
        self._wake.set()

    async def copy(self, fund_id: str) -> int:
        query = self.where(fund_id)
        projection = {
            PENDING_ENTRIES: 1,
            ARCHIVE_PENDING: 1,
            MEMORY_PENDING: 1,
            PARTS_PENDING: 1,
        } | SHARD_READ
        doc = await self.funds.find_one(query, projection)
        if doc is None and len(query) > 1:  # the key changed since: by _id alone
            doc = await self.funds.find_one({"_id": fund_id}, projection)
        # each item is stored packed (FundRepository.packed_items); the pull takes the very
        # values read, so it removes exactly what was copied
        pending: list[bytes] = (doc or {}).get(PENDING_ENTRIES) or []
        closed: list[bytes] = (doc or {}).get(ARCHIVE_PENDING) or []
        memory: list[bytes] = (doc or {}).get(MEMORY_PENDING) or []
        parts: list[bytes] = (doc or {}).get(PARTS_PENDING) or []
        if not pending and not closed and not memory and not parts:
            return 0
        codec = self.funds.codec_options
        await self.journal.insert([_as_journal(unpack(d, codec)) for d in pending])
        await self.archive.store(fund_id, [unpack(d, codec) for d in closed])
        versions: Document = {}
        if memory:
            versions[MEMORY_V] = await self._remember(fund_id, memory)
        if parts:
            versions[PARTS_V] = await self._apply_parts(fund_id, parts)
        pulls = {
            PENDING_ENTRIES: pending,
            ARCHIVE_PENDING: closed,
            MEMORY_PENDING: memory,
            PARTS_PENDING: parts,
        }
        update: Document = {"$pullAll": {k: v for k, v in pulls.items() if v}}
        if versions:
            # monotonic: another process's copier may have recorded a later version already
            update["$max"] = versions
        async with DOCUMENT_LOCKS.hold(namespace(self.funds), fund_id):
            # the shard key as read: a commit that changed it since makes this miss, and the
            # chunks are copied again (harmlessly, as after a crash before the pull)
            key = {f: (doc or {}).get(f) for f in SHARD_READ}
            await self.funds.update_one({"_id": fund_id, **key}, update)
        return len(pending) + len(closed)

    async def _remember(self, fund_id: str, chunks: list[bytes]) -> int:
        """Append the chunks to the fund's memory document (a chunk appended twice, after a
        crash before the pull, is read once: ids are merged), and compact it now and then."""
        async with DOCUMENT_LOCKS.hold(namespace(self.memory), fund_id):
            # one round trip: the document as appended comes back whole (FerretDB v1's
            # findAndModify takes no projection), which is what compaction and this process's
            # copy of it need anyway
            doc = await self.memory.find_one_and_update(
                {"_id": fund_id},
                {"$push": {"chunks": {"$each": chunks}}, "$inc": {"n": len(chunks), "v": 1}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            assert doc is not None  # just upserted
            if int(doc.get("n", 0)) < MEMORY_COMPACT_AT:
                self._written(FUND_MEMORY, fund_id, doc)
                return int(doc["v"])
            codec = self.memory.codec_options
            read = [unpack(b, codec) for b in doc.get("chunks") or []]
            whole = {}
            for name in MEMORY:
                ids = merged_ids(*(c.get(name) or [] for c in read))
                keep = self.memory_keep[name]
                whole[name] = ids[-keep:] if len(ids) > keep else ids
            # conditional on the version read: a concurrent append (another process) wins,
            # and the next copy compacts
            compacted = [pack(whole)]
            done = await self.memory.update_one(
                {"_id": fund_id, "v": doc["v"]},
                {"$set": {"chunks": compacted, "n": 1}, "$inc": {"v": 1}},
            )
            if not done.matched_count:
                self._written(FUND_MEMORY, fund_id, doc)
                return int(doc["v"])
            v = int(doc["v"]) + 1
            self._written(FUND_MEMORY, fund_id, {**doc, "chunks": compacted, "n": 1, "v": v})
            return v

    def _written(self, collection: str, fund_id: str, doc: Document) -> None:
        if self.written is not None:
            self.written(collection, fund_id, doc)

    async def _apply_parts(self, fund_id: str, chunks: list[bytes]) -> int:
        """Apply the chunks' changes in commit order to the fund's parts document: one
        read-modify-write of the kinds they touch, conditional on the version read (another
        process's copier may be applying the same chunks: whoever is second reads again).
        Only the chunks of commits later than the parts hold (PARTS_UPTO): a change is a
        record's whole value, so a chunk the parts already hold, applied again after a later
        one (a copier that read the fund before another process's copier moved it and that
        commit's successor), would put back the record as it was before that successor."""
        codec = self.parts.codec_options
        read = [unpack(blob, codec) for blob in chunks]
        at = max(int(chunk.get("at", 0)) for chunk in read)
        async with DOCUMENT_LOCKS.hold(namespace(self.parts), fund_id):
            for _ in range(PARTS_ATTEMPTS):
                # whole, not the kinds touched only: the store reads it whole anyway, and what
                # is written is then the whole new state, for this process's copy
                doc = await self.parts.find_one({"_id": fund_id})
                held = int((doc or {}).get(PARTS_UPTO, 0))
                # every commit up to `held` is in the parts: a copier reads the fund whole, so
                # with a commit's chunk it read every earlier one not yet pulled (and a chunk
                # is pulled only once applied). A chunk without `at` predates it: applied.
                changes = [
                    c
                    for chunk in read
                    if "at" not in chunk or int(chunk["at"]) > held
                    for c in chunk["changes"]
                ]
                if doc is not None and not changes:
                    self._written(FUND_PARTS, fund_id, doc)
                    return int(doc["v"])
                kinds = sorted({str(c["f"]) for c in changes})
                records = {k: unpack(doc[k], codec) if doc and k in doc else {} for k in kinds}
                for change in changes:
                    if change["v"] is None:
                        records[change["f"]].pop(change["k"], None)
                    else:
                        records[change["f"]][change["k"]] = change["v"]
                values: Document = {k: pack(v) for k, v in records.items()}
                values[PARTS_UPTO] = max(at, held)
                if doc is None:
                    first: Document = {"_id": fund_id, "v": 1, **values}
                    try:
                        await self.parts.insert_one(first)
                    except DuplicateKeyError:
                        continue
                    self._written(FUND_PARTS, fund_id, first)
                    return 1
                done = await self.parts.update_one(
                    {"_id": fund_id, "v": doc["v"]}, {"$set": values, "$inc": {"v": 1}}
                )
                if done.matched_count:
                    v = int(doc["v"]) + 1
                    self._written(FUND_PARTS, fund_id, {**doc, **values, "v": v})
                    return v
        raise RuntimeError(f"the parts of fund {fund_id} stayed contended; will retry")

    async def sweep(self) -> int:
        cursor = self.funds.find(
            {
                "$or": [
                    {PENDING_ENTRIES: {"$ne": []}},
                    {ARCHIVE_PENDING: {"$ne": []}},
                    {MEMORY_PENDING: {"$exists": True, "$ne": []}},
                    {PARTS_PENDING: {"$exists": True, "$ne": []}},
                ]
            },
            {"_id": 1},
        )
        ids = [str(doc["_id"]) async for doc in cursor]
        return sum([await self.copy(fund_id) for fund_id in ids])

    async def run(self) -> None:
        """Copy what commits announce, `coalesce_s` after the first of them (later commits of
        the same fund join the same copy); sweep every fund at start-up and every minute
        (what a crashed process left; a failed copy here is retried from `_dirty`). The sweep
        reads every fund document on FerretDB v1, so it is kept rare."""
        sweeps_every = max(1, int(60 / self.interval_s))
        turn = 0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            if self._dirty and self.coalesce_s:
                await asyncio.sleep(self.coalesce_s)  # let the fund's next commits join in
            self._wake.clear()
            dirty, self._dirty = self._dirty, set()
            try:
                for fund_id in sorted(dirty):
                    await self.copy(fund_id)
                if turn % sweeps_every == 0:
                    await self.sweep()
            except Exception as exc:
                self._dirty |= dirty
                log.warning("journal copy failed; will retry", error=repr(exc))
            turn += 1


def _as_journal(pending: Document) -> Document:
    doc = dict(pending)
    doc["_id"] = doc.pop("id")
    return doc

"""Fund documents: one per project group, `_id` = the group id, and beside each its id memory
(`fund_memory`, same `_id`): the ids that make repeats harmless, kept out of the fund document
so that a commit does not rewrite them (docs/architecture.md, "Documents sized to what an
action changes")."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from funds.domain.accounts import person_of
from funds.domain.fund import Fund
from funds.domain.ledger import Entry
from funds.domain.policy import FundPolicy
from funds.domain.schedule import wake_on
from funds.domain.spending_requests import SpendingRequest
from megp_common.answers import Answering
from megp_common.caches import SizedLRU
from megp_common.mongo import (
    OUTBOX_FLAG,
    SCALAR_EQ,
    AggregateRepository,
    Document,
    OutboxWriter,
    Shard,
    pack,
    to_bson,
    unpack,
    unpack_sized,
    unpacked,
)
from megp_common.shared_reads import SharedReads
from megp_common.watched import Watched

FUNDS = "funds"
PENDING_ENTRIES = "pending_entries"  # posted, not yet copied to the journal
ARCHIVE_PENDING = "archive_pending"  # closed obligations not yet in their archive
MEMORY_PENDING = "memory_pending"  # ids commits added, not yet in the fund's memory document
FUND_MEMORY = "fund_memory"  # one document per fund: its id memory, in chunks (see MEMORY)
#: The fund's id memories: consumed events, posted entries, closed obligations. Each commit
#: `$push`es the ids it added as one small chunk into the fund document (so they commit with
#: the change they guard); the journal copier moves the chunks to `fund_memory` and pulls
#: exactly them from the fund. A read takes the fund first, then its memory document, and
#: merges both: a chunk the copier moved before the fund was read is in the memory document.
MEMORY = ("applied", "recent_entry_ids", "closed_obligations")
PARTS_PENDING = "parts_pending"  # keyed records commits changed, not yet in the fund's parts
FUND_PARTS = "fund_parts"  # one document per fund: its keyed records, one packed map per kind
#: The fund's keyed records, out of the fund document for the same reason and in the same way
#: as MEMORY: a commit `$push`es its changes (a record's whole new value, or its removal) as
#: one chunk, the copier applies the chunks in order to `fund_parts` (a read-modify-write
#: conditional on the parts' version, of the chunks later than the parts' PARTS_UPTO only: a
#: chunk applied again after a later one would put its older records back) and pulls
#: them; a read merges the fund's chunks over the parts it reads after the fund. `memos` are
#: the members' and borrowers' own memo accounts (one record per person, Fund.memos): the fund
#: document keeps only the balances one commit checks together (balance sheet and controls).
PARTS = ("members", "obligations", "debts", "scheduled", "temporary", "memos")
#: in the fund document, the versions of its side documents the copier's last move produced
MEMORY_V, PARTS_V = "memory_v", "parts_v"
#: in the parts document, the latest fund version whose chunk it holds (each chunk carries the
#: version its commit wrote, `at`). A read that took the fund document and then found parts
#: holding a later commit's changes (the copier moved them between its two reads) takes the
#: fund again, so the records it sees are never newer than the balances beside them: a
#: person's memo accounts always add up to their control account in what a read answers
PARTS_UPTO = "upto"
READ_ATTEMPTS = 4
#: side documents kept decoded, the most recently read, up to this estimate of the memory they
#: take: their BSON bytes times DECODED_PER_BSON_BYTE (measured on a fourth-year 200-member
#: fund's parts: 431 KiB of BSON decode to 1.9 MiB of Python objects; its memory, 61 KiB to 126).
#: A count would not bound it: a fund's parts grow with its members' history.
SIDES_DECODED_BYTES = 96 * 2**20
DECODED_PER_BSON_BYTE = 4
COMMITS_REMEMBERED = 4096  # funds whose latest commit from this process is remembered
#: waiting entries kept decoded (by their stored bytes), up to this estimate of their memory:
#: their stored (compressed) bytes times DECODED_PER_PACKED_BYTE (a deposit sheet's entry has two
#: lines per member, so their sizes differ by hundreds of times; measured on 481 entries of a
#: run: 11-57 bytes decoded per stored byte, median 13.5, the most for the largest, a 200-member
#: sheet's 8 KB that decode to 450 KiB; the estimate takes the most)
ENTRIES_DECODED_BYTES = 32 * 2**20
DECODED_PER_PACKED_BYTE = 56


class FundRepository(AggregateRepository[Fund]):
    collection = FUNDS
    model = Fund
    shard_key = ("state", "group_id")  # the group is the fund's id
    id_is_group = True
    # Everything sized by the group's members or its history travels packed (see
    # AggregateRepository.packed); what the store is asked about (wake_on, trust_bank, state,
    # balances for the summaries, the copier's lists) stays plain.
    packed = frozenset(
        {
            "board",
            "reversed_entries",
            "archive_months",
            "failed_instalments",
            "notices",
        }
    )
    packed_items = frozenset({PENDING_ENTRIES, ARCHIVE_PENDING})
    # the id memories and the keyed records travel as chunks (`_appended`), never `$set`
    apart = frozenset({*MEMORY, *PARTS})

    def __init__(
        self, db: AsyncDatabase[Document], outbox: OutboxWriter, policy: FundPolicy
    ) -> None:
        super().__init__(db, outbox)
        self.policy = policy
        # the day each fund next needs the scheduler, kept current by every commit here
        self.wakes: Watched[Fund] = Watched(
            self,
            query={"wake_on": {"$ne": None}},
            value=lambda f: f.wake_on.isoformat() if f.wake_on else None,
        )
        # fund id -> the version this process last committed, the most recent funds only
        self._committed_versions: OrderedDict[str, int] = OrderedDict()
        self._entries: SizedLRU[bytes, Entry] = SizedLRU(ENTRIES_DECODED_BYTES)
        # (collection, fund id) -> (version, decoded) of the side documents last read
        self._sides: SizedLRU[tuple[str, str], tuple[int, Any]] = SizedLRU(SIDES_DECODED_BYTES)
        # views of one fund asked for at the same time share a read (never an older one)
        self._views: SharedReads[tuple[str, Shard | None], Fund | None] = SharedReads(
            lambda key: self._read_view(*key)
        )

    @property
    def memory(self) -> AsyncCollection[Document]:
        return self.db[FUND_MEMORY]

    @property
    def parts(self) -> AsyncCollection[Document]:
        return self.db[FUND_PARTS]

    async def find(self, aggregate_id: str, shard: Shard | None = None) -> Fund | None:
        """The whole fund: its document, then (after it, see MEMORY and PARTS) its id memory
        and its keyed records."""
        read = await self._read(aggregate_id, shard, {"outbox": 0, OUTBOX_FLAG: 0}, memory=True)
        if read is None:
            return None
        doc, memory, parts = read
        fund = self._assemble(doc, memory, parts, whole=True)
        self._read_as_stored(fund, doc)
        return fund

    async def _read(
        self, fund_id: str, shard: Shard | None, projection: Document, *, memory: bool
    ) -> tuple[Document, list[Document], dict[str, dict[str, Any]]] | None:
        """The fund document, then its side documents (the memory only if asked): taken again
        while the parts hold a later commit's changes than the document read (PARTS_UPTO)."""
        for attempt in range(READ_ATTEMPTS):
            doc = await self.find_doc(fund_id, shard, projection)
            if doc is None:
                return None
            chunks: list[Document] = []
            if memory:
                chunks, (parts, upto) = await asyncio.gather(
                    self._side(self.memory, fund_id, doc.get(MEMORY_V), self._memory_chunks),
                    self._side(self.parts, fund_id, doc.get(PARTS_V), self._parts_held),
                )
            else:
                parts, upto = await self._side(
                    self.parts, fund_id, doc.get(PARTS_V), self._parts_held
                )
            # the last attempt takes what it read: a commit from it fails its version check
            if upto <= int(doc.get("version", 0)) or attempt == READ_ATTEMPTS - 1:
                return doc, chunks, parts
        raise AssertionError("unreachable")

    async def _side(
        self,
        col: AsyncCollection[Document],
        fund_id: str,
        version: int | None,
        decode: Callable[[Document | None], tuple[Any, int]],
    ) -> Any:
        """A side document, decoded: nothing when the fund names no version of it; this
        process's copy when that is at least the version the fund names (the copier records in
        the fund the version its last move produced, and tells this process's repository what
        it wrote: `side_written`); otherwise read.
        Once moved into a side document, chunks are gone from the fund, so the version the
        fund names holds everything it no longer does."""
        if version is None:
            # no chunk ever left the fund: a chunk is pulled from it only in the write that
            # names the version holding it, so the fund alone is whole (a side document that a
            # copy interrupted before that write left behind holds only chunks still here)
            return decode(None)[0]
        key = (col.name, fund_id)
        hit = self._sides.get(key)
        # a copy at least as new as the version the fund names holds every chunk the fund no
        # longer does (a newer one, as a fresh read may be too: see _assemble)
        if hit is not None and hit[0] >= version:
            return hit[1]
        doc = await col.find_one({"_id": fund_id})
        value, size = decode(doc)
        self._keep_side(key, doc, value, size)
        return value

    def _keep_side(
        self, key: tuple[str, str], doc: Document | None, value: Any, bson_bytes: int
    ) -> None:
        if doc is None or not isinstance(doc.get("v"), int):
            return
        hit = self._sides.get(key)
        if hit is None or hit[0] <= doc["v"]:
            self._sides.put(key, (doc["v"], value), bson_bytes * DECODED_PER_BSON_BYTE)

    def sides_held(self) -> tuple[int, int]:
        """(side documents kept decoded, the estimate of the bytes they take)."""
        return len(self._sides), self._sides.weight

    def side_written(self, collection: str, fund_id: str, doc: Document) -> None:
        """A side document as this process's journal copier just wrote it (whole, with its new
        `v`): kept as this process's copy, so that the reads after the copier's move need not
        read it again."""
        decode = self._memory_chunks if collection == FUND_MEMORY else self._parts_held
        value, size = decode(doc)
        self._keep_side((collection, fund_id), doc, value, size)

    def _memory_chunks(self, doc: Document | None) -> tuple[list[Document], int]:
        """The memory's chunks, and their BSON bytes."""
        codec = self.memory.codec_options
        sized = [unpack_sized(b, codec) for b in (doc or {}).get("chunks") or []]
        return [chunk for chunk, _ in sized], sum(size for _, size in sized)

    def _parts_held(
        self, doc: Document | None
    ) -> tuple[tuple[dict[str, dict[str, Any]], int], int]:
        """(The records by kind, the latest fund version whose changes they hold), and their
        BSON bytes."""
        codec = self.parts.codec_options
        records: dict[str, dict[str, Any]] = {}
        size = 0
        for name in PARTS:
            if doc and name in doc:
                records[name], bson_bytes = unpack_sized(doc[name], codec)
                size += bson_bytes
        return (records, int((doc or {}).get(PARTS_UPTO, 0))), size

    def _load(self, doc: Document) -> Fund:
        """A fund from its document alone (a scan): its id memory and keyed records are
        partial, so it cannot be committed."""
        return self._assemble(doc, [], {}, whole=False)

    def _assemble(
        self,
        doc: Document,
        memory: list[Document],
        parts: dict[str, dict[str, Any]],
        *,
        whole: bool,
    ) -> Fund:
        """The fund document with its memory and keyed records merged in (what waits in the
        fund is newer than what the side documents hold). The entries waiting for the journal
        are decoded once each: an entry never changes (`Entry` is frozen), and while a fund is
        busy every read of it decodes the same waiting entries again."""
        codec = self.col.codec_options
        doc = dict(doc)
        doc["id"] = doc.pop("_id")
        doc.pop("outbox", None)
        doc.pop(OUTBOX_FLAG, None)
        doc.pop(MEMORY_V, None)
        doc.pop(PARTS_V, None)
        chunks = memory + [unpack(b, codec) for b in doc.pop(MEMORY_PENDING, None) or []]
        changes = [
            change
            for blob in doc.pop(PARTS_PENDING, None) or []
            for change in unpack(blob, codec)["changes"]
        ]
        blobs: list[bytes] | None = doc.pop(PENDING_ENTRIES, None)
        doc = unpacked(doc, codec, self.packed_items)
        doc["balances"], doc["memos"] = split_memos(doc.get("balances") or {})
        # a document written before these had their own places holds them in `packed`: those
        # are not counted as stored, so the next commit moves them out
        stored_keys: dict[str, set[str]] = {}
        for name in PARTS:
            records: dict[str, Any] = dict(doc.get(name) or {})
            held = parts.get(name) or {}
            records.update(held)
            keys = set(held)
            for change in changes:
                if change["f"] != name:
                    continue
                keys.add(change["k"])
                if change["v"] is None:
                    records.pop(change["k"], None)
                else:
                    records[change["k"]] = change["v"]
            doc[name] = records
            stored_keys[name] = keys
        fund = self.model.model_validate(doc)
        if blobs:
            fund.pending_entries = [self._entry(blob) for blob in blobs]
        stored: dict[str, frozenset[str]] = {}
        for name in MEMORY:
            ids = merged_ids(getattr(fund, name), *(c.get(name) or [] for c in chunks))
            setattr(fund, name, ids)
            stored[name] = frozenset(i for c in chunks for i in c.get(name) or [])
        fund.stored_memory = stored if whole else None
        fund.stored_parts = (
            {
                name: {k: dict(r.__dict__) for k, r in getattr(fund, name).items() if k in keys}
                for name, keys in stored_keys.items()
            }
            if whole
            else None
        )
        return fund

    def _appended(self, aggregate: Fund) -> Document:
        """What this copy changed since it was read: the ids it added as one chunk for the
        memory, the keyed records it added, changed or removed as one chunk for the parts."""
        stored, held = aggregate.stored_memory, aggregate.stored_parts
        if stored is None or held is None:
            raise RuntimeError(f"fund {aggregate.id} was read without its memory and records")
        out: Document = {}
        added = {
            name: new
            for name in MEMORY
            if (new := [i for i in getattr(aggregate, name) if i not in stored.get(name, ())])
        }
        if added:
            out[MEMORY_PENDING] = [pack(added)]
        changes: list[Document] = []
        for name in PARTS:
            before = held.get(name, {})
            now: dict[str, Any] = getattr(aggregate, name)
            for key, record in now.items():
                if before.get(key) != record.__dict__:
                    value = to_bson(record.model_dump(mode="python"))
                    changes.append({"f": name, "k": key, "v": value})
            changes += [{"f": name, "k": key, "v": None} for key in before.keys() - now.keys()]
        if changes:
            # the version this commit writes (a new fund's is 1): see PARTS_UPTO
            out[PARTS_PENDING] = [pack({"changes": changes, "at": aggregate.version + 1})]
        return out

    def _remember_stored(self, aggregate: Fund) -> None:
        aggregate.stored_memory = {name: frozenset(getattr(aggregate, name)) for name in MEMORY}
        aggregate.stored_parts = {
            name: {k: dict(r.__dict__) for k, r in getattr(aggregate, name).items()}
            for name in PARTS
        }

    def _entry(self, blob: bytes) -> Entry:
        entry = self._entries.get(blob)
        if entry is not None:
            return entry
        entry = Entry.model_validate(unpack(blob, self.col.codec_options))
        self._entries.put(blob, entry, len(blob) * DECODED_PER_PACKED_BYTE)
        return entry

    def is_current(self, fund: Fund) -> bool:
        """False when this process committed the fund since `fund` was read: committing that
        copy is certain to fail its version check (True says nothing of other processes)."""
        return fund.version >= self._committed_versions.get(fund.id, 0)

    def _remember_commit(self, fund: Fund) -> None:
        self._committed_versions[fund.id] = fund.version
        self._committed_versions.move_to_end(fund.id)
        if len(self._committed_versions) > COMMITS_REMEMBERED:
            self._committed_versions.popitem(last=False)

    async def find_view(self, fund_id: str, shard: Shard | None = None) -> Fund | None:
        """The fund for a read that needs neither the entries waiting for the journal nor the
        obligations waiting for the archive (the commonest reads, the ones clients poll): the
        store sends less and nothing decodes those lists, often the largest part of a fund.
        A view cannot be committed (`save` refuses it). Views of one fund asked for while one
        is being read share the next read (megp_common.shared_reads): the copy is shared, so
        a view is never changed by its reader."""
        return await self._views.get((fund_id, shard))

    async def _read_view(self, fund_id: str, shard: Shard | None) -> Fund | None:
        projection = {
            "outbox": 0,
            OUTBOX_FLAG: 0,
            PENDING_ENTRIES: 0,
            ARCHIVE_PENDING: 0,
            MEMORY_PENDING: 0,
        }
        read = await self._read(fund_id, shard, projection, memory=False)
        if read is None:
            return None
        doc, _, parts = read
        fund = self._assemble(doc, [], parts, whole=False)
        self._note_key(fund, doc)
        fund.is_view = True
        return fund

    async def add(self, aggregate: Fund, answer: Answering[Fund] | None = None) -> None:
        aggregate.wake_on = wake_on(aggregate, self.policy)
        await super().add(aggregate, answer)
        self._remember_stored(aggregate)
        self._remember_commit(aggregate)

    async def save(self, aggregate: Fund, answer: Answering[Fund] | None = None) -> None:
        if aggregate.is_view:
            raise RuntimeError(f"fund {aggregate.id} was read as a view: it cannot be committed")
        aggregate.wake_on = wake_on(aggregate, self.policy)
        await super().save(aggregate, answer)
        self._remember_stored(aggregate)
        self._remember_commit(aggregate)

    async def due_ids(self, today_iso: str) -> list[str]:
        """Funds the scheduler must look at today, without reading the funds (see Watched)."""
        return await self.wakes.up_to(today_iso)

    async def all_balances(self) -> list[Document]:
        projection = {"state": 1, "trust_bank": 1, "balances": 1, "opened_at": 1, "group_id": 1}
        return [doc async for doc in self.col.find({}, projection)]

    async def funds_at_bank(self, bank: str) -> list[Document]:
        projection = {"state": 1, "trust_bank": 1, "balances": 1, "opened_at": 1, "group_id": 1}
        return [
            doc async for doc in self.col.find({"trust_bank": bank}, projection, comment=SCALAR_EQ)
        ]


def split_memos(balances: Document) -> tuple[Document, dict[str, Document]]:
    """A stored `balances` without the per-person memo accounts a document written before they
    had their own records holds, and those accounts as records (not counted as stored, so the
    next commit moves them out of the fund document). Only such old documents have any."""
    personal: dict[str, Document] = {}
    shared: Document = {}
    for currency, accounts in balances.items():
        if not any(person_of(a) for a in accounts):
            shared[currency] = accounts
            continue
        shared[currency] = {}
        for account, cents in accounts.items():
            person = person_of(account)
            if person is None:
                shared[currency][account] = cents
                continue
            record = personal.setdefault(person, {"person_id": person, "balances": {}})
            record["balances"].setdefault(currency, {})[account] = cents
    return shared, personal


def merged_ids(*lists: list[str]) -> list[str]:
    """The lists one after another, each id once (where it first appears)."""
    seen: set[str] = set()
    out: list[str] = []
    for ids in lists:
        for i in ids:
            if i not in seen:
                seen.add(i)
                out.append(i)
    return out


SPENDING_REQUESTS = "spending_requests"


class SpendingRequestRepository(AggregateRepository[SpendingRequest]):
    """The IMPI fees the inventors asked the Competition Sub-Fund to pay (from ip-counsel's
    events), pending until the group's board approves one; refused ones are kept with the
    reason. Apart from the fund document: a request moves no money until it is approved."""

    collection = SPENDING_REQUESTS
    model = SpendingRequest
    shard_key = ("fund_id",)
    indexes = (IndexModel([("fund_id", ASCENDING)]),)

    async def of_fund(self, fund_id: str, status: str | None, limit: int) -> list[SpendingRequest]:
        query: dict[str, object] = {"fund_id": fund_id}
        if status is not None:
            query["status"] = status
        return await self.find_many(
            query, sort=[("requested_on", -1), ("_id", ASCENDING)], limit=limit, scalar_eq=True
        )

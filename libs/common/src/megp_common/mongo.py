"""The repository that commits an aggregate's state together with its outbox in one conditional
single-document write, the outbox writer, and the indexes ensured at start-up.

The store as a server (the client, the atomic-writes check, the per-document locks) is
megp_common.store, shard keys megp_common.shards, the stored form of a state
megp_common.packing; the names other modules have always imported from here are exported here
too (`__all__`).
"""

from __future__ import annotations

import asyncio
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import bson
import structlog
from pymongo import IndexModel, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from megp_common.aggregate import Aggregate
from megp_common.answers import ANSWERS, Answering, KeptAnswer, kept_with, pack_answers
from megp_common.clock import Clock
from megp_common.errors import Conflict, NotFound
from megp_common.events import make_event
from megp_common.metrics import (
    STORE_SHARD_HINT_MISSES,
)
from megp_common.packing import (
    PACK_LEVEL,
    PACKED,
    Items,
    fingerprint,
    pack,
    stored_fields,
    to_bson,
    unpack,
    unpack_sized,
    unpacked,
)
from megp_common.shards import SHARD_KEYS, Shard, carries_key, shard_filters
from megp_common.shared_reads import SharedReads
from megp_common.store import (
    DOCUMENT_LOCKS,
    DUPLICATE_KEY,
    OUTBOX_FLAG,
    OUTBOX_PENDING_VALUE,
    SCALAR_EQ,
    Document,
    StoreNotAtomic,
    docs_by_id,
    make_client,
    namespace,
    require_atomic_document_writes,
)

__all__ = [
    "DOCUMENT_LOCKS",
    "DUPLICATE_KEY",
    "OUTBOX_FLAG",
    "OUTBOX_PENDING_VALUE",
    "PACKED",
    "SCALAR_EQ",
    "SHARD_KEYS",
    "AggregateRepository",
    "ConcurrencyConflict",
    "Document",
    "OutboxWriter",
    "Shard",
    "StoreNotAtomic",
    "carries_key",
    "docs_by_id",
    "ensure_indexes",
    "make_client",
    "namespace",
    "outbox_entries",
    "outbox_entry",
    "pack",
    "require_atomic_document_writes",
    "shard_filters",
    "stored_fields",
    "to_bson",
    "unpack",
    "unpack_sized",
    "unpacked",
]

log = structlog.get_logger(__name__)
A = TypeVar("A", bound=Aggregate)


class ConcurrencyConflict(Conflict):
    """The aggregate changed since it was read; the caller reloads and retries (one that
    reaches HTTP, after the service's own retries, says when: Retry-After)."""

    def __init__(self, detail: str, **kwargs: Any) -> None:
        headers = {"Retry-After": "1", **dict(kwargs.pop("headers", None) or {})}
        super().__init__(detail, headers=headers, **kwargs)


async def ensure_indexes(
    db: AsyncDatabase[Document], spec: Mapping[str, Sequence[IndexModel]]
) -> None:
    """One `createIndexes` per index: FerretDB v1 panics on a multi-index request when some of
    them exist already (as they do from the second start on)."""
    for collection, indexes in spec.items():
        for index in indexes:
            await db[collection].create_indexes([index])


def outbox_entry(stored: Any) -> Document:
    """An outbox entry as the relay reads it (`id`, `topic`, `key`, `type`, `body`: the
    envelope's JSON) from what the store holds: one compressed value (`OutboxWriter.entries`),
    or the nested document commits wrote before."""
    if isinstance(stored, bytes):
        return dict(bson.decode(zlib.decompress(stored)))
    return dict(stored)


def outbox_entries(doc: Mapping[str, Any]) -> list[Document]:
    """A stored document's outbox entries, read (for tests and tools that look at it)."""
    return [outbox_entry(e) for e in doc.get("outbox") or []]


class OutboxWriter:
    """Turns an aggregate's recorded events into outbox entries (serialized envelopes), each
    stored as one compressed value (`outbox_entry` reads it): FerretDB decodes every value of a
    document on each read and update of it, and an entry's five fields, the envelope's JSON
    among them, cost it several times what one binary value does."""

    def __init__(
        self,
        *,
        service: str,
        topic: str,
        clock: Clock,
        notify: Callable[[str, str, list[Any], Mapping[str, Any] | None], None] | None = None,
    ) -> None:
        self.service, self.topic, self.clock = service, topic, clock
        self.notify = notify

    def entries(self, aggregate: Aggregate) -> list[Any]:
        """The stored form of each event the aggregate recorded (what its commit `$push`es
        into the outbox, and hands the relay)."""
        out = []
        for rec in aggregate.pending_events():
            env = make_event(
                rec.payload,
                source=f"/megp/{self.service}",
                key=rec.key,
                time=self.clock.now(),
                subject=aggregate.id,
                state=rec.state,
                context=rec.context,
            )
            entry = {
                "id": env.id,
                "topic": self.topic,
                "key": env.partitionkey,
                "type": env.type,
                "body": env.to_json().decode(),
            }
            out.append(zlib.compress(bson.encode(entry), PACK_LEVEL))
        return out


A_contra = TypeVar("A_contra", bound=Aggregate, contravariant=True)


class CommitListener(Protocol[A_contra]):
    """Told of each aggregate a repository commits, after the commit."""

    def note(self, aggregate: A_contra) -> None: ...


class AggregateRepository(Generic[A]):
    """Loads and commits one kind of aggregate. Subclasses set `collection` and `model`."""

    collection: str
    model: type[A]
    indexes: Sequence[IndexModel] = ()
    #: Fields stored together as one compressed value under `packed`, not queryable. The store
    #: (FerretDB v1) decodes a whole document on every read and update, one value at a time:
    #: a fund's hundreds of member ids, obligations and applied-event ids cost it far more as
    #: nested values than as one blob. Only fields no store query filters or projects on.
    packed: ClassVar[frozenset[str]] = frozenset()
    #: List fields whose items are stored one compressed value each: still a list the store
    #: can `$pullAll` from by value (what a copier that moves them elsewhere needs).
    packed_items: ClassVar[frozenset[str]] = frozenset()
    #: The collection's shard key on a sharded cluster (docs/architecture.md, "MongoDB
    #: sharding"): top-level stored fields, `state` for the state, `_id` for the id, any other
    #: for the group. A commit's filter names them as the store holds them (what the copy was
    #: read with), never as the commit changes them; a load by id names what its `Shard` hint
    #: knows, else what this repository last read or wrote of that aggregate.
    shard_key: ClassVar[tuple[str, ...]] = ()
    #: The aggregate's id is its group's id (a fund, a credit line): every load knows the group.
    id_is_group: ClassVar[bool] = False
    #: how many aggregates' stored keys a repository remembers, the most recently used (a
    #: few hundred bytes each)
    KEYS_REMEMBERED: ClassVar[int] = 16384
    #: how many answers of keyed requests committed with it a document keeps, the latest
    #: (megp_common.answers): a retry comes within seconds, far inside them
    answers_kept: ClassVar[int] = 8
    #: how many decoded views (`view`) to keep, the most recently read: a view whose document
    #: is still at the version kept is answered without decoding it again (a group's plan book,
    #: read for each of its sales, decoded once per change). 0: none kept. Only for a
    #: collection whose every change bumps the version (what `save` and `save_many` do).
    views_kept: ClassVar[int] = 0
    #: Fields a subclass stores outside the aggregate's document (see `_appended`): left out
    #: of the state a commit `$set`s, and never dumped for it.
    apart: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, db: AsyncDatabase[Document], outbox: OutboxWriter) -> None:
        self.db, self._outbox = db, outbox
        self._listeners: list[CommitListener[A]] = []
        # aggregate id -> its stored key's values, in the order of `_key_fields`
        self._keys: OrderedDict[str, tuple[Any, ...]] = OrderedDict()
        self._key_fields = tuple(f for f in self.shard_key if f != "_id")
        self._packed_order = sorted(self.packed)
        self._shared_reads: SharedReads[tuple[str, Shard | None], A | None] | None = None
        self._decoded_views: OrderedDict[str, A] = OrderedDict()
        # the stored fields a commit `$unset`s when its state no longer has them: the model's
        # own (a subclass's `_state` may leave one out), never a field some other writer keeps
        # in the document (a subclass's `_appended` lists, the relay's, the copier's)
        own = set(self.model.model_fields) - {"id", "version"}
        self._unsettable = frozenset(own - self.apart - self.packed) | (
            {PACKED} if self.packed else frozenset()
        )
        if set(self.shard_key) & self.packed:
            raise ValueError(f"{self.collection}: a shard-key field cannot be packed")
        if self.shard_key:
            SHARD_KEYS[namespace(self.col)] = self.shard_key

    def on_commit(self, listener: CommitListener[A]) -> None:
        """Tell `listener` of every aggregate this repository commits (megp_common.watched
        keeps its in-memory indexes this way)."""
        self._listeners.append(listener)

    @property
    def col(self) -> AsyncCollection[Document]:
        return self.db[self.collection]

    def _load(self, doc: Document) -> A:
        doc = dict(doc)
        doc["id"] = doc.pop("_id")
        doc.pop("outbox", None)
        doc.pop(OUTBOX_FLAG, None)
        doc.pop(ANSWERS, None)
        if self.packed or self.packed_items:
            doc = unpacked(doc, self.col.codec_options, self.packed_items)
        return self.model.model_validate(doc)

    def _loaded(self, doc: Document) -> A:
        aggregate = self._load(doc)
        self._read_as_stored(aggregate, doc)
        return aggregate

    def _read_as_stored(self, aggregate: Aggregate, doc: Mapping[str, Any]) -> None:
        """`aggregate` was read from `doc`, the whole document as stored: remember its shard
        key (`_note_key`) and its fields' fingerprints, so that its commit sends only what
        changed. A copy read in part (a projection leaving out a state field) must not come
        here only if what it leaves out is no state (a field missing from the fingerprints is
        sent whole by the next commit, as a new one)."""
        self._note_key(aggregate, doc)
        aggregate._stored_fields = stored_fields(doc, self.col.codec_options)
        aggregate._answers = doc.get(ANSWERS)

    def _note_key(self, aggregate: Aggregate, doc: Mapping[str, Any]) -> None:
        """Remember the shard key `doc` holds as stored: on this copy (its commit names it)
        and in this repository (a later load without a hint names it)."""
        if not self.shard_key:
            return
        values = tuple(doc.get(f) for f in self._key_fields)
        aggregate._stored_key = dict(zip(self._key_fields, values, strict=True))
        self._keys[aggregate.id] = values
        self._keys.move_to_end(aggregate.id)
        if len(self._keys) > self.KEYS_REMEMBERED:
            self._keys.popitem(last=False)

    def by_id(self, aggregate_id: str, shard: Shard | None = None) -> Document:
        """The filter of a load by id: the id and the shard key this repository last read or
        wrote for it (as stored, a null state too), else each field the hint names; a field
        known from neither is left out (a load without the whole key goes to every shard).
        What was stored wins over the hint: the hint is a guess (a caller scoped to another
        state; an event's state for a record stored under null before its group formed), the
        memory misses only when another process changed the key since (once per aggregate)."""
        query: Document = {"_id": aggregate_id}
        remembered = self._keys.get(aggregate_id)
        if remembered is not None:
            query.update(zip(self._key_fields, remembered, strict=True))
            return query
        for field in self._key_fields:
            value = None
            if shard is not None:
                value = shard.state if field == "state" else shard.group
            if value is None and field != "state" and self.id_is_group:
                value = aggregate_id
            if value is not None:
                query[field] = value
        return query

    async def find_doc(
        self,
        aggregate_id: str,
        shard: Shard | None = None,
        projection: Mapping[str, Any] | None = None,
    ) -> Document | None:
        """One document by id, its shard key named as `by_id` knows it; when that finds none
        (a new aggregate, or a hint that was wrong) it is read again by `_id` alone."""
        col = self.col
        query = self.by_id(aggregate_id, shard)
        doc = await col.find_one(query, projection)
        if doc is None and len(query) > 1:
            STORE_SHARD_HINT_MISSES.labels(col.database.name, col.name).inc()
            doc = await col.find_one({"_id": aggregate_id}, projection)
        return doc

    def _appended(self, aggregate: A) -> Document:
        """Lists to extend in the commit's own write, without `$set`ting them (`$push`ed on an
        update, stored as they are on an insert): what a subclass keeps outside the aggregate's
        state, such as funds' id memories waiting for their own document."""
        return {}

    def _state(self, aggregate: A) -> Document:
        left_out = set(self.apart) if self.apart else None
        doc: Document = to_bson(aggregate.model_dump(mode="python", exclude=left_out))
        doc["_id"] = doc.pop("id")
        if self.packed:
            # in a fixed order: a commit that changed none of them renders the same blob as
            # the one stored (see `fingerprint`), whichever process wrote it
            doc[PACKED] = pack({k: doc.pop(k) for k in self._packed_order if k in doc})
        for name in self.packed_items:
            if name in doc:
                doc[name] = [pack(item) for item in doc[name]]
        return doc

    async def get(self, aggregate_id: str, shard: Shard | None = None) -> A:
        found = await self.find(aggregate_id, shard)
        if found is None:
            raise NotFound(f"{self.model.__name__} {aggregate_id} does not exist")
        return found

    async def find(self, aggregate_id: str, shard: Shard | None = None) -> A | None:
        """`shard`: what the caller knows of the aggregate's state and group (see `by_id`)."""
        doc = await self.find_doc(aggregate_id, shard, {"outbox": 0, OUTBOX_FLAG: 0})
        return self._loaded(doc) if doc else None

    async def view(self, aggregate_id: str, shard: Shard | None = None) -> A | None:
        """`find` for a caller that only looks (a scope or membership check before a change
        that the writer applies to a read of its own): the views of one aggregate asked for
        while one is being read share the next read (megp_common.shared_reads), so a hundred
        members acting on one round at once cost the store a few reads, not a hundred; with
        `views_kept`, a document read at a version already decoded is not decoded again. The
        copy is shared: it cannot be committed (`save` refuses it), and its reader never
        changes it."""
        if self._shared_reads is None:
            self._shared_reads = SharedReads(self._read_shared)
        return await self._shared_reads.get((aggregate_id, shard))

    async def _read_shared(self, key: tuple[str, Shard | None]) -> A | None:
        aggregate_id, shard = key
        if type(self).find is not AggregateRepository.find:  # a find of its own (funds' parts)
            found = await self.find(aggregate_id, shard)
        else:
            doc = await self.find_doc(aggregate_id, shard, {"outbox": 0, OUTBOX_FLAG: 0})
            if doc is None:
                return None
            kept = self._decoded_views.get(aggregate_id) if self.views_kept else None
            if kept is not None and kept.version == doc.get("version"):
                self._decoded_views.move_to_end(aggregate_id)
                return kept  # the same version: what was decoded then is what is stored now
            found = self._loaded(doc)
        if found is None:
            return None
        found._shared = True
        if self.views_kept:
            self._decoded_views[aggregate_id] = found
            self._decoded_views.move_to_end(aggregate_id)
            if len(self._decoded_views) > self.views_kept:
                self._decoded_views.popitem(last=False)
        return found

    #: ids per `$in` query of `find_by_ids` (the store pushes at most 1,000 down to its index)
    IDS_PER_QUERY: ClassVar[int] = 500

    async def find_by_ids(
        self, aggregate_ids: Iterable[str], shards: Mapping[str, Shard] | None = None
    ) -> dict[str, A]:
        """Those of `aggregate_ids` that exist, by id, in one `{_id: {$in: ...}}` query per
        `IDS_PER_QUERY` ids and state (the project's FerretDB looks them up through the `_id`
        index, deploy/local/store.sh; it used to decode the whole collection for an `$in`, so
        callers read a batch as one `find` per id). `shards`: by id, what the caller knows of
        its shard key; the ids of one known state are asked with it (a sharded cluster then asks
        that state's shards), and an id a wrong hint missed is read again by `_id` alone. A
        repository whose `find` does more than read one document (funds' parts) loads each
        with its own `find`."""
        ids = list(dict.fromkeys(aggregate_ids))
        if type(self).find is not AggregateRepository.find:
            loaded = await asyncio.gather(
                *(self.find(i, None if shards is None else shards.get(i)) for i in ids)
            )
            return {a.id: a for a in loaded if a is not None}
        by_state: dict[str | None, list[str]] = {}
        for aggregate_id in ids:
            hinted = self.by_id(aggregate_id, None if shards is None else shards.get(aggregate_id))
            state = hinted.get("state") if "state" in self._key_fields else None
            by_state.setdefault(state, []).append(aggregate_id)
        found: dict[str, A] = {}
        for state, some in by_state.items():
            for start in range(0, len(some), self.IDS_PER_QUERY):
                chunk = some[start : start + self.IDS_PER_QUERY]
                query: Document = {"_id": {"$in": chunk}}
                if state is not None:
                    query["state"] = state
                found |= await self._find_in(query)
                missed = [i for i in chunk if i not in found]
                if state is not None and missed:
                    STORE_SHARD_HINT_MISSES.labels(self.col.database.name, self.col.name).inc()
                    found |= await self._find_in({"_id": {"$in": missed}})
        return found

    async def _find_in(self, query: Document) -> dict[str, A]:
        cursor = self.col.find(query, {"outbox": 0, OUTBOX_FLAG: 0})
        loaded = [self._loaded(doc) async for doc in cursor]
        return {a.id: a for a in loaded}

    async def find_many(
        self,
        query: Mapping[str, Any],
        *,
        sort: list[tuple[str, int]] | None = None,
        limit: int = 0,
        scalar_eq: bool = False,
    ) -> list[A]:
        """`scalar_eq`: the query's plain equalities are on scalar fields (see SCALAR_EQ)."""
        extra = {"comment": SCALAR_EQ} if scalar_eq else {}
        cursor = self.col.find(
            dict(query), {"outbox": 0, OUTBOX_FLAG: 0}, sort=sort, limit=limit, **extra
        )
        return [self._loaded(d) async for d in cursor]

    def _refuse_shared(self, aggregate: A) -> None:
        if aggregate._shared:
            raise RuntimeError(
                f"{self.model.__name__} {aggregate.id} was read as a shared view: it cannot be "
                "committed"
            )

    async def add(self, aggregate: A, answer: Answering[A] | None = None) -> None:
        """Insert a new aggregate with its events; a second insert of the same id is a Conflict.
        `answer`: the keyed request's answer, kept in the same insert (megp_common.answers)."""
        self._refuse_shared(aggregate)
        entries = self._outbox.entries(aggregate)
        state = self._state(aggregate)
        doc = state | self._appended(aggregate) | {"version": 1, "outbox": entries}
        if entries:
            doc[OUTBOX_FLAG] = OUTBOX_PENDING_VALUE
        kept = None if answer is None else answer.kept_at(aggregate, 1)
        if kept is not None:
            doc[ANSWERS] = pack_answers([kept])
        try:
            async with DOCUMENT_LOCKS.hold(namespace(self.col), aggregate.id):
                await self.col.insert_one(doc)
        except DuplicateKeyError as exc:
            raise Conflict(
                f"{self.model.__name__} {aggregate.id} already exists",
                extensions={"duplicate": _dup_keys(exc)},
            ) from exc
        self._note_key(aggregate, doc)
        aggregate._stored_fields = stored_fields(state, self.col.codec_options)
        self._answered(aggregate, answer, kept, doc.get(ANSWERS))
        self._committed(aggregate, 1, entries)

    def _answered(
        self,
        aggregate: A,
        answer: Answering[A] | None,
        kept: KeptAnswer | None,
        blob: bytes | None,
    ) -> None:
        """A commit that kept an answer landed: the copy holds what the store keeps now."""
        if answer is not None and kept is not None:
            aggregate._answers = blob
            answer.committed = kept

    async def add_many(self, aggregates: Sequence[A]) -> list[A]:
        """Insert new aggregates with their events in one bulk write (what a sheet of
        registrations is: the store takes a bulk insert for about the price of a few single
        ones); returns those an earlier insert of the same id had already stored, each left
        uncommitted for the caller to resolve as `add`'s Conflict would have it. The others
        are committed as `add` commits one. Where a repository adds steps of its own to `add`
        (a derived field), each is added on its own by `add`."""
        if type(self).add is not AggregateRepository.add:
            taken = []
            for aggregate in aggregates:
                try:
                    await self.add(aggregate)
                except Conflict:
                    taken.append(aggregate)
            return taken
        docs, entries_of, states = [], [], []
        for aggregate in aggregates:
            entries = self._outbox.entries(aggregate)
            state = self._state(aggregate)
            doc = state | self._appended(aggregate) | {"version": 1, "outbox": entries}
            if entries:
                doc[OUTBOX_FLAG] = OUTBOX_PENDING_VALUE
            docs.append(doc)
            entries_of.append(entries)
            states.append(state)
        refused: set[int] = set()
        if docs:
            try:
                await self.col.insert_many(docs, ordered=False)
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors", [])
                if any(e.get("code") != DUPLICATE_KEY for e in errors):
                    raise
                refused = {int(e["index"]) for e in errors}
        for n, aggregate in enumerate(aggregates):
            if n not in refused:
                self._note_key(aggregate, docs[n])
                aggregate._stored_fields = stored_fields(states[n], self.col.codec_options)
                self._committed(aggregate, 1, entries_of[n])
        return [a for n, a in enumerate(aggregates) if n in refused]

    def _update(self, aggregate: A, entries: list[Any]) -> _Commit:
        """The conditional commit's update: the next version, the events, and of the new state
        what differs from the copy as read or last committed (`Aggregate._stored_fields`):
        each field whose fingerprint changed is `$set`, a list that only grew gets its new
        items `$push`ed, a field of the model's the state no longer has is `$unset`. A copy
        with no fingerprints (built, not read) `$set`s its whole state, as an insert would.
        The condition on the version read makes it as atomic as a whole `$set`: the store
        holds exactly the fingerprinted values at that version. A list that a writer other
        than commits shortens without a new version (a copier's `$pullAll` of what it moved)
        keeps its shortening where the whole list written again would undo it."""
        state = self._state(aggregate)
        state.pop("_id")
        state.pop("version", None)
        codec = self.col.codec_options
        prints = {k: fingerprint(v, codec) for k, v in state.items()}
        state["version"] = aggregate.version + 1
        before = aggregate._stored_fields
        pushes: Document = {}
        unsets: Document = {}
        if before is None:
            sets = dict(state)
        else:
            sets = {}
            for name, now in prints.items():  # the version is not among them
                was = before.get(name, _ABSENT)
                if was == now:
                    continue
                if (
                    type(now) is Items
                    and type(was) is Items
                    and len(now) > len(was)
                    and now[: len(was)] == was
                ):
                    pushes[name] = {"$each": state[name][len(was) :]}
                else:
                    sets[name] = state[name]
            unsets = {k: "" for k in before if k not in state and k in self._unsettable}
        sets["version"] = aggregate.version + 1
        update: Document = {"$set": sets}
        pushes |= {k: {"$each": v} for k, v in self._appended(aggregate).items() if v}
        if entries:
            pushes["outbox"] = {"$each": entries}
            sets[OUTBOX_FLAG] = OUTBOX_PENDING_VALUE
        if pushes:
            update["$push"] = pushes
        if unsets:
            update["$unset"] = unsets
        return _Commit(update, state, prints)

    def _commit_filter(self, aggregate: A) -> Document:
        """The conditional commit's filter: the id, the version read, and the shard key as
        stored, this copy's as read (a commit may change it: a fund given its state when it
        opens; MongoDB moves such a document in a retryable write whose filter names the whole
        stored key)."""
        query: Document = {"_id": aggregate.id, "version": aggregate.version}
        stored = aggregate._stored_key
        if stored is None and aggregate.id in self._keys:
            stored = dict(zip(self._key_fields, self._keys[aggregate.id], strict=True))
        query.update(stored or {})
        return query

    async def save_many(self, aggregates: Sequence[A]) -> list[A]:
        """`save` for many aggregates whose change records no event (a sheet's lines naming
        their group, each a different document), in one bulk write of their conditional
        updates; returns those someone else changed since they were read, uncommitted, for the
        caller to read again (each `save`'s ConcurrencyConflict). One by one, as `add_many`,
        where a repository adds steps of its own to `save`, or a change records events (a bulk
        result counts the updates that matched; it does not name them, so a stored document is
        told ours by its state, which is enough only for a change that has no events to
        lose)."""
        if type(self).save is not AggregateRepository.save or any(
            a.pending_events() for a in aggregates
        ):
            stale = []
            for aggregate in aggregates:
                try:
                    await self.save(aggregate)
                except ConcurrencyConflict:
                    stale.append(aggregate)
            return stale
        if not aggregates:
            return []
        for aggregate in aggregates:
            self._refuse_shared(aggregate)
        updates = [self._update(a, []) for a in aggregates]
        ops = [
            UpdateOne(self._commit_filter(a), u.update)
            for a, u in zip(aggregates, updates, strict=True)
        ]
        ids = [a.id for a in aggregates]
        async with DOCUMENT_LOCKS.hold_many(namespace(self.col), ids):
            result = await self.col.bulk_write(ops, ordered=False)
            if result.matched_count == len(ops):
                ours = [True] * len(ops)
            else:  # some were changed meanwhile: which ones, by what is stored now
                stored = await asyncio.gather(
                    *(self.col.find_one({"_id": i}, {"outbox": 0, OUTBOX_FLAG: 0}) for i in ids)
                )
                # the whole new state, not only what the update sent: a commit of someone
                # else's that left our fields as we would have them is not ours
                ours = [
                    d is not None and all(d.get(k) == v for k, v in u.state.items())
                    for d, u in zip(stored, updates, strict=True)
                ]
        for aggregate, commit, mine in zip(aggregates, updates, ours, strict=True):
            if mine:
                self._wrote(aggregate, commit)
                self._committed(aggregate, aggregate.version + 1, [])
        return [a for a, mine in zip(aggregates, ours, strict=True) if not mine]

    async def save(self, aggregate: A, answer: Answering[A] | None = None) -> None:
        """Commit the new state and the new events iff nobody else committed since it was read.
        `answer`: the keyed request's answer, kept in the same write (megp_common.answers); a
        commit with an answer and no change of state is the next version with the answer."""
        self._refuse_shared(aggregate)
        entries = self._outbox.entries(aggregate)
        expected = aggregate.version
        commit = self._update(aggregate, entries)
        kept = None if answer is None else answer.kept_at(aggregate, expected + 1)
        blob = None
        if kept is not None:
            blob = kept_with(aggregate, kept, self.answers_kept)
            commit.update["$set"][ANSWERS] = blob
        query = self._commit_filter(aggregate)
        async with DOCUMENT_LOCKS.hold(namespace(self.col), aggregate.id):
            result = await self.col.update_one(query, commit.update)
        if result.matched_count == 0:
            raise ConcurrencyConflict(
                f"{self.model.__name__} {aggregate.id} was changed by someone else; "
                "read it again and retry"
            )
        self._wrote(aggregate, commit)
        self._answered(aggregate, answer, kept, blob)
        self._committed(aggregate, expected + 1, entries)

    def _wrote(self, aggregate: A, commit: _Commit) -> None:
        """The commit landed: the store now holds the new state (its lists at least as
        pushed), so it is what the copy's next commit compares with."""
        self._note_key(aggregate, commit.state)
        aggregate._stored_fields = commit.prints

    def _committed(self, aggregate: A, version: int, entries: list[Any]) -> None:
        aggregate.version = version
        aggregate.clear_pending()
        for listener in self._listeners:
            listener.note(aggregate)
        if entries and self._outbox.notify:
            self._outbox.notify(self.collection, aggregate.id, entries, aggregate._stored_key)


_ABSENT = object()


@dataclass(frozen=True, slots=True)
class _Commit:
    """A conditional commit's update, the whole state it stores, and that state's
    fingerprints (the copy's `_stored_fields` once it landed)."""

    update: Document
    state: Document
    prints: dict[str, Any]


def _dup_keys(exc: DuplicateKeyError) -> Any:
    details = exc.details or {}
    return details.get("keyValue")

"""MongoDB helpers: the client from settings, indexes ensured at start-up, and the repository that
commits an aggregate's state together with its outbox in one conditional single-document write.

Written for what both MongoDB and FerretDB v1 support: no transactions, no change streams, no
Decimal128 (money is stored as a decimal string, plus integer centavos where it must be summed).
"""

from __future__ import annotations

import asyncio
import os
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import bson
import structlog
from bson.codec_options import CodecOptions
from pymongo import AsyncMongoClient, IndexModel, monitoring
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from megp_common.aggregate import Aggregate
from megp_common.clock import Clock
from megp_common.errors import Conflict, NotFound
from megp_common.events import make_event
from megp_common.metrics import STORE_COMMAND_SECONDS, STORE_COMMANDS

Document = dict[str, Any]
log = structlog.get_logger(__name__)
A = TypeVar("A", bound=Aggregate)


class DocumentLocks:
    """Serializes this process's writes to any one document.

    FerretDB v1 applies an update as read, modify, write back, without guarding against a
    concurrent write to the same document: two updates racing on one document can both report
    success while one is lost (measured: a `$pullAll` by the relay silently undid a conditional
    `$push` that had just committed). The platform's rule that only a service's own process writes
    its database makes a per-process lock enough; on MongoDB it costs next to nothing.
    """

    def __init__(self) -> None:
        self._locks: dict[tuple[str, Any], tuple[asyncio.Lock, list[int]]] = {}
        self._across: KeyLocks | None = None

    def share_across_processes(self, locks: KeyLocks | None) -> None:
        """Also hold `locks` (a `megp_common.locks.StoreLocks`) for every write: for a service
        run as several processes on FerretDB v1, where a conditional update does not guard one
        process's write against another's (`CROSS_PROCESS_WRITE_LOCKS`). None turns it off."""
        self._across = locks

    @asynccontextmanager
    async def hold(self, namespace: str, doc_id: Any) -> AsyncIterator[None]:
        key = (namespace, doc_id)
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                if self._across is None:
                    yield
                else:
                    async with self._across.hold(f"{namespace}/{doc_id}"):
                        yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]


class KeyLocks(Protocol):
    """One holder at a time per key (what `megp_common.locks.StoreLocks` provides)."""

    def hold(self, key: str) -> AbstractAsyncContextManager[None]: ...


DOCUMENT_LOCKS = DocumentLocks()


SCALAR_EQ = "megp:scalar-eq"
"""A query comment saying: every top-level field this filter compares with a string by plain
equality holds a scalar (never an array) in every document. FerretDB on SQLite, as
deploy/local/store.sh builds it, then answers those comparisons in SQLite (with the field's index
when there is one) instead of decoding the whole collection; MongoDB ignores the comment."""


OUTBOX_FLAG = "outbox_flag"
"""Set (to "pending") by every commit that writes outbox entries, in the same write; the relay's
sweep finds documents by it (an index search, SCALAR_EQ) instead of reading every document, and
removes it once it finds the outbox empty."""
OUTBOX_PENDING_VALUE = "pending"


def namespace(collection: AsyncCollection[Document]) -> str:
    return f"{collection.database.name}.{collection.name}"


def make_client(
    url: str, *, server_selection_timeout_ms: int | None = None
) -> AsyncMongoClient[Document]:
    """`server_selection_timeout_ms` bounds how long a request waits for a usable server (a
    `serverSelectionTimeoutMS` in the URL wins)."""
    listeners: list[monitoring.CommandListener] = [StoreTimer()]
    if os.environ.get("MEGP_REPORT_SCANS"):
        listeners.append(ScanReporter())
    options: dict[str, Any] = {}
    if server_selection_timeout_ms is not None and "serverselectiontimeoutms" not in url.lower():
        options["serverSelectionTimeoutMS"] = server_selection_timeout_ms
    return AsyncMongoClient(
        url, tz_aware=True, uuidRepresentation="standard", event_listeners=listeners, **options
    )


class StoreTimer(monitoring.CommandListener):
    """Counts store commands and the time spent on them, per database, collection and command
    (`megp_store_commands_total`, `megp_store_command_seconds_total` on /metrics)."""

    TIMED = frozenset(
        {"find", "findAndModify", "update", "insert", "delete", "aggregate", "getMore", "count"}
    )

    def __init__(self) -> None:
        self._pending: dict[int, tuple[str, str, str]] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if name in self.TIMED:
            target = event.command.get(name)
            collection = (
                target if isinstance(target, str) else str(event.command.get("collection", "?"))
            )
            self._pending[event.request_id] = (event.database_name, collection, name)

    def _done(self, request_id: int, micros: int) -> None:
        labels = self._pending.pop(request_id, None)
        if labels is not None:
            STORE_COMMANDS.labels(*labels).inc()
            STORE_COMMAND_SECONDS.labels(*labels).inc(micros / 1e6)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._done(event.request_id, event.duration_micros)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._done(event.request_id, event.duration_micros)


class ScanReporter(monitoring.CommandListener):
    """With `MEGP_REPORT_SCANS=1`, logs every read or write whose filter does not name one `_id`.

    FerretDB v1 on SQLite pushes only `_id` equality down to the database: any other filter
    decodes every document of the collection. On a real MongoDB an index would serve it; here it
    is the first thing to look for when the store's CPU climbs."""

    FILTERS = {"find": "filter", "count": "query", "delete": "deletes", "update": "updates"}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        key = self.FILTERS.get(event.command_name)
        if key is None:
            return
        if SCALAR_EQ in str(event.command.get("comment", "")):
            return  # served by the store's scalar pushdown
        body = event.command.get(key)
        filters = [x.get("q", {}) for x in body] if isinstance(body, list) else [body or {}]
        for f in filters:
            ident = f.get("_id")
            if ident is None or isinstance(ident, Mapping):
                collection = event.command.get(event.command_name)
                log.warning("store scan", collection=collection, filter=repr(f)[:300])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


class ConcurrencyConflict(Conflict):
    """The aggregate changed since it was read; the caller reloads and retries (one that
    reaches HTTP, after the service's own retries, says when: Retry-After)."""

    def __init__(self, detail: str, **kwargs: Any) -> None:
        headers = {"Retry-After": "1", **dict(kwargs.pop("headers", None) or {})}
        super().__init__(detail, headers=headers, **kwargs)


_PLAIN = frozenset({str, int, float, bool, type(None), datetime})


def to_bson(value: Any) -> Any:
    """Plain python -> what BSON (and FerretDB v1) stores: Decimal as str, date as ISO str.
    Every commit converts its whole aggregate, so the common cases are tested first by exact
    type (an `isinstance` against an abstract class costs several times more)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {str(k): to_bson(v) for k, v in value.items()}
    if kind is list:
        return [to_bson(v) for v in value]
    if kind is Decimal:
        return str(value)
    if kind is date:
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_bson(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_bson(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return to_bson(value.value)
    return value


#: The field holding an aggregate's packed fields (see `AggregateRepository.packed`).
PACKED = "packed"
_PACK_LEVEL = 1  # zlib: fast; the documents are ids and small numbers, which compress well


def pack(fields: Mapping[str, Any]) -> bytes:
    """Fields (already `to_bson`) as one compressed BSON value."""
    return zlib.compress(bson.encode(fields), _PACK_LEVEL)


def unpack(blob: bytes, codec: CodecOptions[Document]) -> Document:
    return dict(bson.decode(zlib.decompress(blob), codec_options=codec))


def unpacked(
    doc: Mapping[str, Any], codec: CodecOptions[Document], items: Iterable[str] = ()
) -> Document:
    """A stored document as its aggregate sees it: the packed fields back in place, and each
    blob of the `items` lists decoded (a raw reader of a repository's collection uses this)."""
    out = dict(doc)
    blob = out.pop(PACKED, None)
    if blob is not None:
        out.update(unpack(blob, codec))
    for name in items:
        if name in out:
            out[name] = [unpack(item, codec) for item in out[name]]
    return out


async def ensure_indexes(
    db: AsyncDatabase[Document], spec: Mapping[str, Sequence[IndexModel]]
) -> None:
    """One `createIndexes` per index: FerretDB v1 panics on a multi-index request when some of
    them exist already (as they do from the second start on)."""
    for collection, indexes in spec.items():
        for index in indexes:
            await db[collection].create_indexes([index])


class OutboxWriter:
    """Turns an aggregate's recorded events into outbox entries (serialized envelopes)."""

    def __init__(
        self,
        *,
        service: str,
        topic: str,
        clock: Clock,
        notify: Callable[[str, str, list[Document]], None] | None = None,
    ) -> None:
        self.service, self.topic, self.clock = service, topic, clock
        self.notify = notify

    def entries(self, aggregate: Aggregate) -> list[Document]:
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
            out.append(
                {
                    "id": env.id,
                    "topic": self.topic,
                    "key": env.partitionkey,
                    "type": env.type,
                    "body": env.to_json().decode(),
                }
            )
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
    #: Fields a subclass stores outside the aggregate's document (see `_appended`): left out
    #: of the state a commit `$set`s, and never dumped for it.
    apart: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, db: AsyncDatabase[Document], outbox: OutboxWriter) -> None:
        self.db, self._outbox = db, outbox
        self._listeners: list[CommitListener[A]] = []

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
        if self.packed or self.packed_items:
            doc = unpacked(doc, self.col.codec_options, self.packed_items)
        return self.model.model_validate(doc)

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
            doc[PACKED] = pack({k: doc.pop(k) for k in self.packed if k in doc})
        for name in self.packed_items:
            if name in doc:
                doc[name] = [pack(item) for item in doc[name]]
        return doc

    async def get(self, aggregate_id: str) -> A:
        found = await self.find(aggregate_id)
        if found is None:
            raise NotFound(f"{self.model.__name__} {aggregate_id} does not exist")
        return found

    async def find(self, aggregate_id: str) -> A | None:
        doc = await self.col.find_one({"_id": aggregate_id}, {"outbox": 0, OUTBOX_FLAG: 0})
        return self._load(doc) if doc else None

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
        return [self._load(d) async for d in cursor]

    async def add(self, aggregate: A) -> None:
        """Insert a new aggregate with its events; a second insert of the same id is a Conflict."""
        entries = self._outbox.entries(aggregate)
        doc = self._state(aggregate) | self._appended(aggregate) | {"version": 1, "outbox": entries}
        if entries:
            doc[OUTBOX_FLAG] = OUTBOX_PENDING_VALUE
        try:
            async with DOCUMENT_LOCKS.hold(namespace(self.col), aggregate.id):
                await self.col.insert_one(doc)
        except DuplicateKeyError as exc:
            raise Conflict(
                f"{self.model.__name__} {aggregate.id} already exists",
                extensions={"duplicate": _dup_keys(exc)},
            ) from exc
        self._committed(aggregate, 1, entries)

    async def save(self, aggregate: A) -> None:
        """Commit the new state and the new events iff nobody else committed since it was read."""
        entries = self._outbox.entries(aggregate)
        expected = aggregate.version
        state = self._state(aggregate)
        state.pop("_id")
        state["version"] = expected + 1
        update: Document = {"$set": state}
        pushes: Document = {k: {"$each": v} for k, v in self._appended(aggregate).items() if v}
        if entries:
            pushes["outbox"] = {"$each": entries}
            state[OUTBOX_FLAG] = OUTBOX_PENDING_VALUE
        if pushes:
            update["$push"] = pushes
        async with DOCUMENT_LOCKS.hold(namespace(self.col), aggregate.id):
            result = await self.col.update_one({"_id": aggregate.id, "version": expected}, update)
        if result.matched_count == 0:
            raise ConcurrencyConflict(
                f"{self.model.__name__} {aggregate.id} was changed by someone else; "
                "read it again and retry"
            )
        self._committed(aggregate, expected + 1, entries)

    def _committed(self, aggregate: A, version: int, entries: list[Document]) -> None:
        aggregate.version = version
        aggregate.clear_pending()
        for listener in self._listeners:
            listener.note(aggregate)
        if entries and self._outbox.notify:
            self._outbox.notify(self.collection, aggregate.id, entries)


def _dup_keys(exc: DuplicateKeyError) -> Any:
    details = exc.details or {}
    return details.get("keyValue")

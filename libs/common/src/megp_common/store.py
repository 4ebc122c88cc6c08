"""The store as a server: the client (with its command listeners), the start-up check that its
single-document writes are atomic, this process's per-document locks, and the small query
helpers every repository shares (`docs_by_id`, the SCALAR_EQ comment, the outbox flag).

Written for what both MongoDB and FerretDB v1 support: no transactions, no change streams, no
Decimal128 (money is stored as a decimal string, plus integer centavos where it must be summed).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import structlog
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from megp_common.keyed import KeyedLocks
from megp_common.metrics import STORE_COMMAND_SECONDS, STORE_COMMANDS

Document = dict[str, Any]
log = structlog.get_logger(__name__)


class DocumentLocks:
    """Serializes this process's writes to any one document.

    The store applies each single-document write atomically (MongoDB does; FerretDB as
    deploy/local/store.sh builds it does since ferretdb-atomic-document-writes.patch, and
    `require_atomic_document_writes` refuses one that does not), so a conditional commit is a
    guard across processes by itself. These locks only keep this process's own writers of one
    document from racing each other into conflict retries (a relay's clearing and a commit of
    the same document, two requests to one fund), at no store round trip.
    """

    def __init__(self) -> None:
        self._here: KeyedLocks[tuple[str, Any]] = KeyedLocks()

    @asynccontextmanager
    async def hold_many(self, namespace: str, doc_ids: Iterable[Any]) -> AsyncIterator[None]:
        """`hold` for several documents of one collection, taken in order of their ids (so two
        holders of overlapping sets cannot wait on each other)."""
        async with AsyncExitStack() as stack:
            for doc_id in sorted(set(doc_ids)):
                await stack.enter_async_context(self._here.hold((namespace, doc_id)))
            yield

    @asynccontextmanager
    async def hold_idle(self, namespace: str, doc_ids: Iterable[Any]) -> AsyncIterator[list[Any]]:
        """Hold the locks of those of `doc_ids` nobody holds or waits for right now, and yield
        their ids: a bulk write to them then makes no writer wait behind it for long, and the
        busy ones are left to be written one by one."""
        async with self._here.hold_free((namespace, doc_id) for doc_id in doc_ids) as keys:
            yield [key[1] for key in keys]

    @asynccontextmanager
    async def hold(self, namespace: str, doc_id: Any) -> AsyncIterator[None]:
        async with self._here.hold((namespace, doc_id)):
            yield


DOCUMENT_LOCKS = DocumentLocks()
DUPLICATE_KEY = 11000  # the store's error code for a unique index's refusal

#: The first patch level of deploy/local/store.sh's FerretDB whose update, findAndModify and
#: delete are atomic per document (ferretdb-atomic-document-writes.patch); it reports
#: `ferretdbVersion` "v1.24.2-megp5" or later (store.sh builds megp7) in buildInfo.
ATOMIC_FERRETDB_PATCH_LEVEL = 5
_PATCH_LEVEL = re.compile(r"-megp(\d+)$")


class StoreNotAtomic(RuntimeError):
    """The store does not apply a single-document write atomically (FerretDB without the
    platform's patch): a conditional commit would not guard one process's write against
    another's, so a service refuses to start on it."""


async def require_atomic_document_writes(db: AsyncDatabase[Document]) -> str:
    """The store's version if its single-document writes are atomic (any MongoDB; FerretDB only
    as deploy/local/store.sh builds it, patch level ATOMIC_FERRETDB_PATCH_LEVEL or later),
    otherwise StoreNotAtomic. Every service checks it at start-up: the platform keeps no lock
    of its own across processes, so two processes' conditional updates of one document on an
    unpatched FerretDB could both succeed and one be lost."""
    info = await db.command("buildInfo")
    ferretdb = info.get("ferretdbVersion")
    if ferretdb is None:
        return f"MongoDB {info.get('version')}"
    found = _PATCH_LEVEL.search(str(ferretdb))
    if found is None or int(found.group(1)) < ATOMIC_FERRETDB_PATCH_LEVEL:
        raise StoreNotAtomic(
            f"the store is FerretDB {ferretdb}, not the build deploy/local/store.sh makes "
            f"(-megp{ATOMIC_FERRETDB_PATCH_LEVEL} or later): its updates are not atomic per "
            "document, so writes from several processes could be lost. Restart the store with "
            "`deploy/local/store.sh restart` (it builds the patched binary) or use MongoDB."
        )
    return f"FerretDB {ferretdb}"


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


async def docs_by_id(
    collection: AsyncCollection[Document],
    ids: Sequence[str],
    projection: Mapping[str, Any] | None = None,
) -> dict[str, Document]:
    """The documents of `ids` that exist, by id: one `_id` read for one id, one `_id $in`
    query for several (each id asked once). What a coalesced batch of lookups sends."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    query: Document = {"_id": wanted[0]} if len(wanted) == 1 else {"_id": {"$in": wanted}}
    return {doc["_id"]: doc async for doc in collection.find(query, projection)}


def namespace(collection: AsyncCollection[Document]) -> str:
    return f"{collection.database.name}.{collection.name}"


def make_client(
    url: str, *, server_selection_timeout_ms: int | None = None
) -> AsyncMongoClient[Document]:
    """`server_selection_timeout_ms` bounds how long a request waits for a usable server (a
    `serverSelectionTimeoutMS` in the URL wins)."""
    from megp_common.shards import ShardFilterCounter  # it reads the keys repositories name

    listeners: list[monitoring.CommandListener] = [StoreTimer(), ShardFilterCounter()]
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

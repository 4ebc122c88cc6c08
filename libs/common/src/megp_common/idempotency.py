"""Idempotency-Key replay: the stored answers of keyed requests, their ids, and the wrapper
every keyed route goes through (`run_idempotent`; `megp_common.web` builds the routes' helpers
on it).

An answer is found by its route's scope, its caller (the token's subject) and its key. Caller
subjects come from the identity provider and may hold any character, and keys may hold ":", so
the parts are escaped before they are joined (`id_part`: "%" as "%25", ":" as "%3A"): the id
`<scope>:<caller>:<key>` then has no ":" in its last two parts and splits back one way only,
from the right, whatever the scope holds. Caller "a" with key "b:c" and caller "a:b" with key
"c" have two records, where the earlier format joined them raw into one, so that one could
receive the other's answer. A part without "%" or ":" (every subject and key the platform's own
clients send) is its own escape, so such a record keeps its id.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from pydantic_core import to_jsonable_python
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError, WriteError

from megp_common.answers import key_reused
from megp_common.clock import Clock
from megp_common.coalesce import Coalesced
from megp_common.errors import PreconditionRequired, ValidationFailed
from megp_common.ids import deterministic_id
from megp_common.keyed import KeyedLocks
from megp_common.mongo import Document, docs_by_id

KEY_PATTERN: Final = re.compile(r"^[A-Za-z0-9._:~\-]{1,200}$")

#: How long a record stored under the earlier id format is still replayed (`find_legacy`): a
#: client's retry comes within minutes; after this no record of that format is read at all.
LEGACY_WINDOW: Final = timedelta(hours=24)


def id_part(part: str) -> str:
    """`part` with no ":" left in it, reversibly: "%" as "%25", then ":" as "%3A"."""
    return part.replace("%", "%25").replace(":", "%3A")


def record_id(scope: str, key: str) -> str:
    """The stored answer's id: `scope` (a route's, ending in its escaped caller: see
    `Once.stored_scope`) and the escaped key."""
    return f"{scope}:{id_part(key)}"


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    status: int
    body: Any
    created_at: datetime


class IdempotencyStore:
    """Responses served under an idempotency key: `{_id: record_id(scope, key), request_hash,
    status, body (JSON text), created_at}`. One insert per key; the first writer wins.

    The lookups and the inserts of the moment are coalesced (megp_common.coalesce): those asked
    for while one is under way go together in the next, one `find` by `_id $in` and one
    unordered `insert_many`, so a round's members stating their demands at once, or a bank's
    deposits, cost a few commands instead of two each."""

    def __init__(self, collection: AsyncCollection[Document], clock: Clock) -> None:
        self._col, self._clock = collection, clock
        self._finds: Coalesced[str, StoredResponse | None] = Coalesced(self._find_many)
        self._inserts: Coalesced[Document, bool] = Coalesced(self._insert_many)

    async def find(self, scope: str, key: str) -> StoredResponse | None:
        return await self._finds.submit(record_id(scope, key))

    async def find_legacy(self, legacy_id: str) -> StoredResponse | None:
        """A record stored under the id of the earlier format (`Once.legacy_record_id`), while
        it is within `LEGACY_WINDOW` of its creation: a retry sent across the change of format
        still replays its answer; after the window no such record is read."""
        found = await self._finds.submit(legacy_id)
        if found is None:
            return None
        created = found.created_at
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        return found if self._clock.now() - created <= LEGACY_WINDOW else None

    async def _find_many(self, ids: list[str]) -> list[StoredResponse | None]:
        found = await docs_by_id(self._col, ids)
        return [_stored(found[i]) if i in found else None for i in ids]

    async def _insert_many(self, docs: list[Document]) -> list[bool | BaseException]:
        """Insert each record: True where it landed, False where its key was taken, and the
        store's error for a record refused for any other reason (that request alone fails)."""
        if len(docs) > 1:
            try:
                await self._col.insert_many(docs, ordered=False)
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors") or []
                if not errors:
                    raise  # the records were written but not as asked (write concern)
                by_index = {int(e["index"]): e for e in errors}
                return [_inserted(by_index.get(i), exc.details) for i in range(len(docs))]
            except PyMongoError:
                pass  # not a per-record answer: each record once more on its own, below
            else:
                return [True] * len(docs)
        answers: list[bool | BaseException] = []
        for doc in docs:
            try:
                await self._col.insert_one(doc)
            except DuplicateKeyError:
                answers.append(False)
            except PyMongoError as exc:
                answers.append(exc)
            else:
                answers.append(True)
        return answers

    async def remember(
        self, scope: str, key: str, request_hash: str, status: int, body: Any
    ) -> StoredResponse:
        """Store the response; if another request stored one first, return that one instead."""
        plain = to_jsonable_python(body)
        stored = StoredResponse(request_hash, status, plain, self._clock.now())
        landed = await self._inserts.submit(
            {
                "_id": record_id(scope, key),
                "request_hash": request_hash,
                "status": status,
                "body": json.dumps(plain, separators=(",", ":")),
                "created_at": stored.created_at,
            }
        )
        if not landed:
            earlier = await self.find(scope, key)
            if earlier is not None:
                return earlier
        return stored


#: the store's error code for a key already taken


#: the store's error code for a key already taken
DUPLICATE_KEY: Final = 11000


def _inserted(error: Mapping[str, Any] | None, details: Mapping[str, Any]) -> bool | BaseException:
    if error is None:
        return True
    if error.get("code") == DUPLICATE_KEY:
        return False
    return WriteError(str(error.get("errmsg", "write refused")), error.get("code"), dict(details))


def _stored(doc: Document) -> StoredResponse:
    return StoredResponse(
        doc["request_hash"], int(doc["status"]), json.loads(doc["body"]), doc["created_at"]
    )


def request_hash(payload: Any) -> str:
    canonical = json.dumps(to_jsonable_python(payload), separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_idempotency_key(key: str | None, *, required: bool) -> str | None:
    if key is None:
        if required:
            raise PreconditionRequired(
                "this request needs an Idempotency-Key header, as it moves money or writes "
                "many records at once (a unique value you reuse only to retry the same request)"
            )
        return None
    if not KEY_PATTERN.match(key):
        raise ValidationFailed(
            "Idempotency-Key must be 1-200 characters of letters, digits and . _ : ~ -"
        )
    return key


#: The keyed requests this process is running: a retry that arrives while its first attempt
#: still runs (a client that gave up waiting on a big sheet and sent it again) waits for that
#: attempt and replays its answer, instead of running beside it and finding its own
#: half-written work in the way.
IN_FLIGHT: KeyedLocks[tuple[str, str]] = KeyedLocks()


async def run_idempotent(
    store: IdempotencyStore,
    scope: str,
    key: str | None,
    request_payload: Any,
    operation: Callable[[], Awaitable[tuple[int, Any]]],
    *,
    required: bool = False,
    legacy_id: str | None = None,
) -> tuple[int, Any]:
    """Run `operation` once per (scope, key); replay its `(status, body)` on a retry.

    Without a key the operation simply runs (or 428 when `required`). The same key with a
    different payload is a 422: a key names one request. Failures are not stored, so a retry
    after an error runs again. `legacy_id` is the id the earlier format gave this request's
    record, where it differs: such a record, recent and of the same payload, is replayed (one
    of another payload may be another caller's, so it is not taken as this key's reuse).
    """
    if check_idempotency_key(key, required=required) is None:
        return await operation()
    assert key is not None
    digest = request_hash(request_payload)
    async with IN_FLIGHT.hold((scope, key)):
        earlier = await store.find(scope, key)
        if earlier is None and legacy_id is not None:
            old = await store.find_legacy(legacy_id)
            earlier = old if old is not None and old.request_hash == digest else None
        if earlier is None:
            status, body = await operation()
            earlier = await store.remember(scope, key, digest, status, body)
    if earlier.request_hash != digest:
        raise key_reused(key)
    return earlier.status, earlier.body


@dataclass(frozen=True, slots=True)
class Once:
    """One keyed request of one caller: `scope` names the route (and resource), `caller` the
    token's subject. Stored answers are found by (scope, caller, key), so another caller who
    happens to send the same key never receives this caller's answer: the caller and the key
    are escaped into the ids (`id_part`), so no two (scope, caller, key) share one."""

    scope: str
    caller: str
    key: str

    @property
    def stored_scope(self) -> str:
        return f"{self.scope}:{id_part(self.caller)}"

    @property
    def legacy_scope(self) -> str | None:
        """The scope the earlier format gave this caller's answers, where it differs."""
        raw = f"{self.scope}:{self.caller}"
        return raw if raw != self.stored_scope else None

    @property
    def legacy_record_id(self) -> str | None:
        """The id the earlier format gave this request's record, where it differs."""
        raw = f"{self.scope}:{self.caller}:{self.key}"
        return raw if raw != record_id(self.stored_scope, self.key) else None

    def new_id(self) -> str:
        """The id of what this request creates, the same on every retry: a retry after a crash
        between the commit and the stored answer collides with the first instead of a twin."""
        return deterministic_id(self.stored_scope, self.key)

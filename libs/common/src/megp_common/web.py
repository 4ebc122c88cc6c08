"""HTTP conventions every service shares: cursor pagination, ETag / If-Match optimistic
concurrency, and Idempotency-Key replay.

Pagination
    Lists are paged by an opaque cursor: urlsafe base64 of a small JSON object naming where the
    previous page stopped. Collections page by `_id` (UUIDv7 ids sort by creation time):
    `page_by_id` asks for `{"_id": {"$gt": last}}` sorted by `_id`, one more than the page size,
    so it knows whether a next page exists without counting. `page_of_sequence` pages an
    in-memory list (e.g. the members embedded in a group document) the same way.

Concurrency
    A resource's ETag is its aggregate version (`"v3"`). An update sends it back in `If-Match`;
    none is 428, a malformed one 422, a stale one 412 (`check_if_match`).

Idempotency
    `run_idempotent` replays the stored response of a request already served under the same
    `Idempotency-Key` (scoped per route and caller). The response is stored only *after* the
    operation committed and only when it succeeded, so a crash between the two makes a retry run
    the operation again: operations behind a key must themselves be idempotent, typically by
    deriving the new aggregate's id from the key (`deterministic_id(scope, key)`) so that the
    second run collides with the first instead of creating a twin.

    Where the keyed operation commits one aggregate, `answer_in_commit` keeps the answer in
    that aggregate's document instead, written by the same conditional commit and found by the
    read the operation makes anyway (megp_common.answers): no idempotency record is read or
    written, and no crash falls between the commit and its answer.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Annotated, Any, Final, Generic, TypeVar, cast

import orjson
from fastapi import Depends, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic_core import to_jsonable_python

from megp_common.aggregate import Aggregate
from megp_common.answers import Answering, Replayed
from megp_common.errors import PreconditionFailed, PreconditionRequired, ValidationFailed
from megp_common.idempotency import (
    IN_FLIGHT,
    IdempotencyStore,
    Once,
    StoredResponse,
    check_idempotency_key,
    request_hash,
    run_idempotent,
)
from megp_common.mongo import AggregateRepository, ConcurrencyConflict
from megp_common.retry import retry_on_conflict

#: the idempotency names every service's routes use, kept importable from here as well as from
#: their home, megp_common.idempotency
__all__ = [
    "IdempotencyStore",
    "Once",
    "StoredResponse",
    "check_idempotency_key",
    "request_hash",
    "run_idempotent",
]

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)

DEFAULT_PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 200

# ---------------------------------------------------------------------------------------------
# Cursor pagination


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next one (None: the end)."""

    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Opaque cursor of the next page; absent on the last page"
    )


def app_state(attribute: str, kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """The dependency that hands a route what the app keeps in `app.state.<attribute>` (a
    service's container, the process's runtime). It is a coroutine on purpose: FastAPI runs a
    plain function dependency in its thread pool, a thread hop per request (and the GIL passed
    back and forth) for a field read; tests/contract/test_service_shape.py holds every route's
    dependencies and endpoint to coroutines."""

    async def dependency(request: Request) -> T:
        value: T = getattr(request.app.state, attribute)
        return value

    dependency.__name__ = dependency.__qualname__ = f"app_state_{attribute}"
    return dependency


def encode_cursor(position: Mapping[str, Any]) -> str:
    raw = json.dumps(to_jsonable_python(dict(position)), separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The position a cursor names; anything not made by `encode_cursor` is a 422."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise ValidationFailed("the cursor is not valid; use next_cursor as returned") from None
    if not isinstance(value, dict):
        raise ValidationFailed("the cursor is not valid; use next_cursor as returned")
    return value


def _cursor_field(cursor: str, name: str) -> str:
    value = decode_cursor(cursor).get(name)
    if not isinstance(value, str):
        raise ValidationFailed("the cursor is not valid for this list")
    return value


async def page_by_id(
    repo: AggregateRepository[A],
    query: Mapping[str, Any],
    *,
    cursor: str | None,
    limit: int,
    scalar_eq: bool = False,
) -> tuple[list[A], str | None]:
    """A page of `repo`'s aggregates matching `query`, in `_id` order, and the next cursor.
    `scalar_eq`: the query's plain equalities are on scalar fields (mongo.SCALAR_EQ)."""
    filters = dict(query)
    if cursor:
        filters["_id"] = {"$gt": _cursor_field(cursor, "after")}
    found = await repo.find_many(filters, sort=[("_id", 1)], limit=limit + 1, scalar_eq=scalar_eq)
    items = found[:limit]
    more = len(found) > limit
    return items, encode_cursor({"after": items[-1].id}) if more and items else None


def page_of_sequence(
    items: Sequence[T], key: Callable[[T], str], *, cursor: str | None, limit: int
) -> tuple[list[T], str | None]:
    """The same paging over a list already in memory, ordered by `key` (unique per item)."""
    ordered = sorted(items, key=key)
    if cursor:
        after = _cursor_field(cursor, "after")
        ordered = [item for item in ordered if key(item) > after]
    page = ordered[:limit]
    more = len(ordered) > limit
    return page, encode_cursor({"after": key(page[-1])}) if more and page else None


CursorQuery = Annotated[
    str | None, Query(description="`next_cursor` of the previous page", max_length=512)
]
LimitQuery = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size", examples=[DEFAULT_PAGE_SIZE])
]

# ---------------------------------------------------------------------------------------------
# ETag / If-Match

_ETAG: Final = re.compile(r'^"v(\d{1,18})"$')

IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The ETag of the version being changed, e.g. "v3"',
        examples=['"v3"'],
    ),
]


def etag_for(version: int) -> str:
    """The strong ETag of an aggregate version."""
    return f'"v{version}"'


def expected_version(if_match: str | None) -> int:
    """The version an `If-Match` header names: 428 when absent, 422 when not one of our ETags."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            "this update needs an If-Match header with the resource's ETag (read it first)"
        )
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise ValidationFailed(
            f"If-Match {if_match!r} is not an ETag of this service; send the ETag header as read"
        )
    return int(match.group(1))


def check_if_match(if_match: str | None, current_version: int) -> None:
    """Refuse the update unless `If-Match` names `current_version` (412 when stale)."""
    expected = expected_version(if_match)
    if expected != current_version:
        raise PreconditionFailed(
            f"the resource is at {etag_for(current_version)}, not {etag_for(expected)}; "
            "read it again and reapply the change",
            extensions={"current_etag": etag_for(current_version)},
        )


# ---------------------------------------------------------------------------------------------
# Idempotency-Key

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="A client-chosen unique key; a retry with the same key and body replays "
        "the first response instead of acting twice",
        examples=["0d8f9a1e-6c1b-4f3e-9a55-2f0c2a1d7b10"],
    ),
]


async def _required_key(key: IdempotencyKeyHeader = None) -> str:
    checked = check_idempotency_key(key, required=True)
    assert checked is not None
    return checked


#: The Idempotency-Key of a request that creates something, moves money or changes a loan's or
#: a lease's state: 428 when it is missing, 422 when malformed. Every POST route takes it (a
#: test walks the OpenAPI), and the OpenAPI marks it required (`megp_common.openapi`).
IdempotencyKey = Annotated[str, Depends(_required_key)]


async def answer_once(
    store: IdempotencyStore,
    once: Once,
    request_payload: Any,
    operation: Callable[[], Awaitable[tuple[int, Any]]],
) -> tuple[int, Any]:
    """The platform's one idempotency wrapper: `operation`'s `(status, body)` the first time,
    the stored answer on a retry by the same caller with the same key and payload, and a 422
    when the key was used for another payload."""
    return await run_idempotent(
        store,
        once.stored_scope,
        once.key,
        request_payload,
        operation,
        required=True,
        legacy_id=once.legacy_record_id,
    )


async def answer_keyed(
    store: IdempotencyStore,
    once: Once,
    request_payload: Any,
    operation: Callable[[str], Awaitable[tuple[int, Any]]],
) -> tuple[int, Any]:
    """`answer_once` for a use case that loads, checks and saves one record: `operation(new_id)`
    runs again from a fresh read when it loses a race (ConcurrencyConflict, the one retry loop),
    and its answer is stored as JSON."""

    async def run() -> tuple[int, Any]:
        status, body = await retry_on_conflict(
            lambda: operation(once.new_id()), ConcurrencyConflict
        )
        return status, as_json(body)

    return await answer_once(store, once, as_json(request_payload), run)


def as_json(value: Any) -> Any:
    """`jsonable_encoder(value)`, a model's (or a list of models') dump done by pydantic alone:
    what the encoder does first, by alias, before walking the result again, which was a quarter
    of its cost and, in a profile of trade answering purchasing-round demands, 7 % of the
    process's CPU."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list | tuple) and all(isinstance(v, BaseModel) for v in value):
        return [v.model_dump(mode="json", by_alias=True) for v in value]
    return jsonable_encoder(value)


class JsonAnswer(JSONResponse):
    """A JSON response rendered by orjson (the platform's JSON library, already its events'):
    the same bytes as Starlette's `JSONResponse` (compact, UTF-8, keys in their order) for the
    values the platform answers with, whose amounts are strings, at a fraction of
    `json.dumps`' cost. Two differences, neither reachable from a model's JSON dump: a float
    in exponent form is written the shortest way (`1e-5`, where json writes `1e-05`), and a
    NaN is `null` where json refused it. Every route that builds its response itself answers
    with it."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


async def answer_in_commit(
    once: Once,
    request_payload: Any,
    status: int,
    render: Callable[[A], Any],
    operation: Callable[[str, Answering[A]], Awaitable[object]],
    *,
    heal: Callable[[A], Awaitable[None]] | None = None,
) -> tuple[int, Any]:
    """`answer_keyed` for a use case that commits one aggregate: its answer (`status`, the
    aggregate as committed through `render`) is kept in that aggregate's document by the same
    commit (megp_common.answers), not in the idempotency store.

    `operation(new_id, answering)` reads the aggregate, calls `answering.check` on it (a retry
    by the same caller with the same key and payload ends there, replayed; another payload is a
    422), changes it and commits it once with `answering` (its last `add` or `save`, also when
    nothing changed). It runs again from a fresh read when it loses a race (ConcurrencyConflict:
    the winner's answer is then found). `heal(aggregate)` redoes on a replay what the use case
    does after its commit (idempotent: it completes a crash between the two). Another caller's
    same key never finds this answer (the scope names the caller); a failure commits nothing,
    so a retry after it runs again."""
    check_idempotency_key(once.key, required=True)
    answering: Answering[A] = Answering(
        once.stored_scope,
        once.key,
        request_hash(jsonable_encoder(request_payload)),
        status,
        lambda aggregate: as_json(render(aggregate)),
        legacy_scope=once.legacy_scope,
    )

    async def run() -> None:
        answering.committed = None
        await operation(once.new_id(), answering)

    async with IN_FLIGHT.hold((once.stored_scope, once.key)):
        try:
            await retry_on_conflict(run, ConcurrencyConflict)
        except Replayed as replay:
            if heal is not None:
                await heal(cast(A, replay.aggregate))
            return replay.answer.status, replay.answer.body
    if answering.committed is None:
        raise RuntimeError(f"{once.scope}: the use case committed no answer for its request")
    return answering.committed.status, answering.committed.body

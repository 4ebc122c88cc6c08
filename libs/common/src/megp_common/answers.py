"""A keyed request's answer written with its commit: where a keyed request (an Idempotency-Key,
`megp_common.web.Once`) changes one aggregate, its answer is kept in that aggregate's document,
in the same conditional write as the change, instead of a record of its own in `idempotency`.

The document keeps its last `AggregateRepository.answers_kept` answers (caller-scoped key,
request hash, status and body: `KeptAnswer`) as one compressed value under `answers`. A retry
reads the aggregate as its use case does anyway, and `Answering.check` finds the answer there:
the same payload replays it (`Replayed`, caught by `megp_common.web.answer_in_commit`), another
payload under the same key is a 422. Nothing else stores it: the answer lands with the commit or
not at all, so no crash can fall between them, and a failure (nothing committed) leaves nothing
for a retry to replay. What a use case does after its commit (trade's holds sold on a payment)
the wrapper's `heal` does again on a replay, from the aggregate as read.

A use case whose request changes nothing (a repeat under a new key) still commits its answer:
the aggregate's next version with the answer alone, so that a retry replays it.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

import bson
from pydantic_core import to_jsonable_python

from megp_common.aggregate import Aggregate
from megp_common.errors import ValidationFailed

A = TypeVar("A", bound=Aggregate)

#: The field of an aggregate's document holding its kept answers (one compressed BSON value).
ANSWERS: Final = "answers"
_LEVEL: Final = 1


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    """An answer as kept: `scope` is the request's route and caller (`Once.stored_scope`),
    `body` the response's JSON value."""

    scope: str
    key: str
    request_hash: str
    status: int
    body: Any


def _row(a: KeptAnswer) -> dict[str, Any]:
    return {
        "s": a.scope,
        "k": a.key,
        "h": a.request_hash,
        "c": a.status,
        "b": json.dumps(a.body, separators=(",", ":")),
    }


def _pack_rows(rows: list[dict[str, Any]]) -> bytes:
    return zlib.compress(bson.encode({"a": rows}), _LEVEL)


def _rows(blob: bytes | None) -> list[dict[str, Any]]:
    """The kept answers as stored, their bodies left as JSON text: a request looks for its own
    among them and keeps the others as they are, so no other body is parsed or rendered."""
    if not blob:
        return []
    rows: list[dict[str, Any]] = bson.decode(zlib.decompress(blob))["a"]
    return rows


def _kept(r: dict[str, Any]) -> KeptAnswer:
    return KeptAnswer(r["s"], r["k"], r["h"], int(r["c"]), json.loads(r["b"]))


def pack_answers(answers: Sequence[KeptAnswer]) -> bytes:
    """The answers as one compressed value (the bodies as JSON text: what the response was)."""
    return _pack_rows([_row(a) for a in answers])


def unpack_answers(blob: bytes | None) -> list[KeptAnswer]:
    return [_kept(r) for r in _rows(blob)]


def key_reused(key: str) -> ValidationFailed:
    """The 422 of a key sent again with a different request."""
    return ValidationFailed(
        f"Idempotency-Key {key!r} was already used for a different request; "
        "send a new key for a new request",
        extensions={"idempotency_key": key},
    )


class Replayed(Exception):
    """The aggregate read keeps this request's answer: a retry answers with it."""

    def __init__(self, answer: KeptAnswer, aggregate: Aggregate) -> None:
        super().__init__(f"replayed {answer.scope}:{answer.key}")
        self.answer, self.aggregate = answer, aggregate


class Answering(Generic[A]):
    """One keyed request whose answer its use case commits with the aggregate it changes.

    The use case calls `check` on the aggregate right after reading it (a retry stops there
    with `Replayed`, or the 422), and passes this to the repository's final `add` or `save`
    of it, which renders the answer from the aggregate at its new version (`render`) and
    writes it in the same conditional write; `committed` is then the answer."""

    def __init__(
        self,
        scope: str,
        key: str,
        request_hash: str,
        status: int,
        render: Callable[[A], Any],
        *,
        legacy_scope: str | None = None,
    ) -> None:
        self.scope, self.key, self.request_hash = scope, key, request_hash
        self.status, self._render = status, render
        self.committed: KeptAnswer | None = None
        # the answers one aggregate keeps are its own routes': among them the scope of the
        # earlier format (the caller unescaped, `Once.legacy_scope`) names this caller alone
        self._scopes = {scope} if legacy_scope is None else {scope, legacy_scope}

    def check(self, aggregate: A) -> None:
        """Raise `Replayed` when `aggregate` keeps this request's answer, the 422 when it keeps
        one for this key and caller of a different request; return when it keeps neither."""
        for row in _rows(aggregate._answers):
            if row["s"] in self._scopes and row["k"] == self.key:
                if row["h"] != self.request_hash:
                    raise key_reused(self.key)
                raise Replayed(_kept(row), aggregate)

    def kept_at(self, aggregate: A, version: int) -> KeptAnswer:
        """The answer as the commit of `aggregate` at `version` makes it (the body renders the
        aggregate as it will be stored, its version the new one)."""
        was = aggregate.version
        aggregate.version = version
        try:
            body = to_jsonable_python(self._render(aggregate))
        finally:
            aggregate.version = was
        return KeptAnswer(self.scope, self.key, self.request_hash, self.status, body)


def kept_with(aggregate: Aggregate, answer: KeptAnswer, bound: int) -> bytes:
    """The aggregate's kept answers with `answer` added, the oldest dropped beyond `bound`."""
    rows = [r for r in _rows(aggregate._answers) if (r["s"], r["k"]) != (answer.scope, answer.key)]
    rows.append(_row(answer))
    return _pack_rows(rows[-bound:])

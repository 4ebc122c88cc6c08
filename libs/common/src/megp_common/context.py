"""The causal context of the work in progress: which request or event caused it.

An HTTP request starts a correlation; an event handled by a consumer continues the correlation of
the event and becomes the cause of every event its handling produces.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from megp_common.ids import new_id


@dataclass(frozen=True)
class CausalContext:
    correlation_id: str
    causation_id: str | None = None


_current: ContextVar[CausalContext | None] = ContextVar("megp_causal_context", default=None)


def current_context() -> CausalContext:
    ctx = _current.get()
    return ctx if ctx is not None else CausalContext(correlation_id=new_id())


@contextmanager
def causal_context(correlation_id: str, causation_id: str | None = None) -> Iterator[CausalContext]:
    ctx = CausalContext(correlation_id=correlation_id, causation_id=causation_id)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)

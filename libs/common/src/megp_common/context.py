"""The causal context of the work in progress: which request or event caused it.

An HTTP request starts a correlation; an event handled by a consumer continues the correlation of
the event and becomes the cause of every event its handling produces.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import structlog

from megp_common.ids import new_id
from megp_common.logging import get_correlation_id


@dataclass(frozen=True)
class CausalContext:
    correlation_id: str
    causation_id: str | None = None


_current: ContextVar[CausalContext | None] = ContextVar("megp_causal_context", default=None)


def current_context() -> CausalContext:
    """The event being handled, else the HTTP request's correlation id, else a new chain."""
    ctx = _current.get()
    if ctx is not None:
        return ctx
    return CausalContext(correlation_id=get_correlation_id() or new_id())


def handling_context() -> CausalContext | None:
    """The event being handled right now, if any (captured when an aggregate records an event,
    so a batch committed later still names each event's own cause)."""
    return _current.get()


@contextmanager
def causal_context(correlation_id: str, causation_id: str | None = None) -> Iterator[CausalContext]:
    ctx = CausalContext(correlation_id=correlation_id, causation_id=causation_id)
    token = _current.set(ctx)
    try:
        with structlog.contextvars.bound_contextvars(
            correlation_id=correlation_id, causation_id=causation_id
        ):
            yield ctx
    finally:
        _current.reset(token)

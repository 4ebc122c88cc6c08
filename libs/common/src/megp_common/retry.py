"""Waiting for a dependency that is still starting (the broker, the store), and redoing a step
that lost a race (an optimistic commit another process got in first)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog

T = TypeVar("T")
log = structlog.get_logger(__name__)


async def retry_until_ready(
    what: str, step: Callable[[], Awaitable[T]], timeout_s: float = 90.0, pause_s: float = 1.0
) -> T:
    """Run `step` until it succeeds; give up with a clear error after `timeout_s`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        try:
            return await step()
        except Exception as exc:
            if loop.time() > deadline:
                raise RuntimeError(f"{what} not reachable after {timeout_s:.0f}s: {exc!r}") from exc
            log.warning("waiting for dependency", dependency=what, error=repr(exc))
            await asyncio.sleep(pause_s)


@dataclass(frozen=True)
class Backoff:
    """How often, and after what pauses, a step that lost a race is tried again.

    The pause before retry `n` (from 0) is drawn uniformly from [0, min(cap_s, first_s * 2**n)]
    ("full jitter"): writers that collided once spread out instead of colliding again in step.
    """

    attempts: int = 8
    first_s: float = 0.01
    cap_s: float = 0.5

    def pause_s(self, retry: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.cap_s, self.first_s * (2**retry))
        return (rng or random).uniform(0.0, ceiling)


DEFAULT_BACKOFF = Backoff()


async def retry_on_conflict(
    step: Callable[[], Awaitable[T]],
    conflict: type[BaseException] | tuple[type[BaseException], ...],
    backoff: Backoff = DEFAULT_BACKOFF,
) -> T:
    """Run `step`; when it raises `conflict`, pause (see Backoff) and run it again, at most
    `backoff.attempts` times in all. The last attempt's `conflict` propagates."""
    for retry in range(backoff.attempts - 1):
        try:
            return await step()
        except conflict:
            await asyncio.sleep(backoff.pause_s(retry))
    return await step()

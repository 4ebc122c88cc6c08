"""Work that time triggers: due dates, grace periods, reviews.

A job is a coroutine function taking the current instant. It runs when the shared clock moves
(a test or a simulation jumping a month ahead) and every `interval_s` of real time otherwise.
A job must be idempotent: it may see the same instant twice, and it decides what is due from the
state it reads, never from how often it ran. A failing run is logged and retried on the next turn.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

import structlog

from megp_common.clock import SettableClock

log = structlog.get_logger(__name__)

Job = Callable[[datetime], Awaitable[None]]


def clock_driven(
    clock: SettableClock, job: Job, *, interval_s: float = 5.0, name: str | None = None
) -> Callable[[], Coroutine[Any, Any, None]]:
    """A background task (for `Wiring.background`) running `job` on each clock move or tick."""
    label = name or getattr(job, "__name__", "job")

    async def loop() -> None:
        moved = clock.subscribe()
        while True:
            try:
                await job(clock.now())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("scheduled job failed; will retry", job=label, error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(moved.wait(), interval_s)
            moved.clear()

    loop.__name__ = f"scheduled-{label}"
    return loop

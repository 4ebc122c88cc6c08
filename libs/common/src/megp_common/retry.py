"""Waiting for a dependency that is still starting (the broker, the store)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
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

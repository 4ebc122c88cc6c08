"""A keyed request retried while its first attempt still runs waits for that attempt and
replays its answer: the operation runs once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from megp_common.clock import SettableClock
from megp_common.web import IdempotencyStore, run_idempotent

pytestmark = pytest.mark.integration


async def test_a_retry_during_the_first_attempt_replays_its_answer(scenario) -> None:  # type: ignore[no-untyped-def]
    store = IdempotencyStore(scenario.db["idempotency"], SettableClock())
    runs: list[int] = []
    started = asyncio.Event()

    async def slow_sheet() -> tuple[int, Any]:
        runs.append(len(runs) + 1)
        started.set()
        await asyncio.sleep(0.5)  # a big sheet being written
        return 201, {"written": len(runs)}

    first = asyncio.create_task(run_idempotent(store, "sheets", "k-1", {"n": 1}, slow_sheet))
    await started.wait()
    retry = await run_idempotent(store, "sheets", "k-1", {"n": 1}, slow_sheet)
    assert await first == retry == (201, {"written": 1})
    assert runs == [1]
    # another key is not held up by it, and runs
    assert await run_idempotent(store, "sheets", "k-2", {"n": 1}, slow_sheet) == (
        201,
        {"written": 2},
    )

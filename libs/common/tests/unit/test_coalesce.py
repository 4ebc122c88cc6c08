"""Coalesced batches: one under way at a time, the items of the moment in the next, each item
answered (or refused) alone, and nothing ever waits on a quiet process."""

from __future__ import annotations

import asyncio

import pytest

from megp_common.coalesce import Coalesced


class Recorder:
    def __init__(self, delay_s: float = 0.01) -> None:
        self.batches: list[list[int]] = []
        self.delay_s = delay_s
        self.fail_batch: Exception | None = None

    async def run(self, items: list[int]) -> list[int | BaseException]:
        self.batches.append(list(items))
        await asyncio.sleep(self.delay_s)
        if self.fail_batch is not None:
            raise self.fail_batch
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]


async def test_the_items_of_the_moment_go_in_the_next_batch() -> None:
    recorder = Recorder()
    coalesced = Coalesced(recorder.run)
    first = asyncio.ensure_future(coalesced.submit(0))
    await asyncio.sleep(0)  # the first batch is under way, alone
    rest = [asyncio.ensure_future(coalesced.submit(i)) for i in range(2, 42, 2)]
    assert await first == 0
    assert await asyncio.gather(*rest) == [i * 10 for i in range(2, 42, 2)]
    assert recorder.batches == [[0], list(range(2, 42, 2))]
    assert (coalesced.batches, coalesced.items) == (2, 21)


async def test_an_item_alone_runs_at_once_and_each_item_gets_its_own_refusal() -> None:
    recorder = Recorder(delay_s=0)
    coalesced = Coalesced(recorder.run)
    assert await coalesced.submit(4) == 40
    outcomes = await asyncio.gather(
        coalesced.submit(6), coalesced.submit(7), coalesced.submit(8), return_exceptions=True
    )
    assert outcomes[0] == 60 and outcomes[2] == 80
    assert isinstance(outcomes[1], ValueError) and str(outcomes[1]) == "odd 7"


async def test_a_batch_that_fails_fails_its_items_and_the_next_runs() -> None:
    recorder = Recorder()
    coalesced = Coalesced(recorder.run, max_batch=3)
    recorder.fail_batch = ConnectionError("store gone")
    outcomes = await asyncio.gather(
        *(coalesced.submit(i) for i in (0, 2, 4, 6)), return_exceptions=True
    )
    assert all(isinstance(o, ConnectionError) for o in outcomes)
    assert recorder.batches == [[0, 2, 4], [6]]  # at most max_batch at a time
    recorder.fail_batch = None
    assert await coalesced.submit(2) == 20


async def test_a_caller_that_gives_up_leaves_its_item_in_the_batch_of_the_others() -> None:
    recorder = Recorder(delay_s=0.05)
    coalesced = Coalesced(recorder.run)
    blocker = asyncio.ensure_future(coalesced.submit(0))
    await asyncio.sleep(0)  # the first batch is under way
    impatient = asyncio.ensure_future(coalesced.submit(2))
    patient = asyncio.ensure_future(coalesced.submit(4))
    await asyncio.sleep(0.01)
    impatient.cancel()  # gives up while its item waits for the next batch
    assert await patient == 40
    assert await blocker == 0
    # its item was still sent (an idempotency record still lands), with the patient one's
    assert recorder.batches == [[0], [2, 4]]
    with pytest.raises(asyncio.CancelledError):
        await impatient


async def test_callers_of_a_stopped_batch_get_a_failure_not_a_cancellation() -> None:
    recorder = Recorder(delay_s=1)
    coalesced = Coalesced(recorder.run)
    waiting = asyncio.ensure_future(coalesced.submit(2))
    await asyncio.sleep(0.01)
    assert coalesced._task is not None
    coalesced._task.cancel()  # the process is ending
    with pytest.raises(RuntimeError, match="stopped"):
        await waiting


def test_a_batch_holds_at_least_one_item() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Coalesced(Recorder().run, max_batch=0)

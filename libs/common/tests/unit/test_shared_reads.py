"""Concurrent reads of one key share reads of the store, and no answer predates its request."""

from __future__ import annotations

import asyncio

import pytest

from megp_common.shared_reads import SharedReads


class Store:
    """A document whose reads take a while: a read sees the value as it was when it began."""

    def __init__(self) -> None:
        self.value = 1
        self.reads: list[str] = []
        self.gate = asyncio.Event()
        self.fail_next = False

    async def read(self, key: str) -> tuple[str, int]:
        seen = self.value
        self.reads.append(key)
        await self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("the store went away")
        return key, seen


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_many_requests_at_once_cost_one_read_each_for_the_running_and_the_next() -> None:
    store = Store()
    shared: SharedReads[str, tuple[str, int]] = SharedReads(store.read)
    first = asyncio.ensure_future(shared.get("fund-1"))
    await settle()  # its read is under way
    others = [asyncio.ensure_future(shared.get("fund-1")) for _ in range(30)]
    await settle()
    store.gate.set()
    answers = await asyncio.gather(first, *others)
    assert store.reads == ["fund-1", "fund-1"]  # the first read, then one for the thirty
    assert set(answers) == {("fund-1", 1)}
    assert (shared.reads, shared.requests) == (2, 31)
    assert shared.keys_in_flight == 0


async def test_a_request_never_gets_a_read_that_began_before_it_arrived() -> None:
    store = Store()
    shared: SharedReads[str, tuple[str, int]] = SharedReads(store.read)
    before = asyncio.ensure_future(shared.get("fund-1"))
    await settle()
    store.value = 2  # the caller's write commits while that read is under way
    after = asyncio.ensure_future(shared.get("fund-1"))
    await settle()
    store.gate.set()
    assert await before == ("fund-1", 1)
    assert await after == ("fund-1", 2)  # served by a read that began after it asked


async def test_keys_are_read_independently() -> None:
    store = Store()
    shared: SharedReads[str, tuple[str, int]] = SharedReads(store.read)
    a = asyncio.ensure_future(shared.get("fund-1"))
    b = asyncio.ensure_future(shared.get("fund-2"))
    await settle()
    assert sorted(store.reads) == ["fund-1", "fund-2"]  # both under way at once
    store.gate.set()
    assert await a == ("fund-1", 1) and await b == ("fund-2", 1)


async def test_a_failed_read_fails_the_requests_it_served_and_the_next_one_reads_again() -> None:
    store = Store()
    shared: SharedReads[str, tuple[str, int]] = SharedReads(store.read)
    store.fail_next = True
    first = asyncio.ensure_future(shared.get("fund-1"))
    await settle()
    waiting = asyncio.ensure_future(shared.get("fund-1"))
    store.gate.set()
    with pytest.raises(ConnectionError):
        await first
    assert await waiting == ("fund-1", 1)  # its own read came after the failed one
    assert await shared.get("fund-1") == ("fund-1", 1)
    assert len(store.reads) == 3


async def test_a_caller_that_gives_up_does_not_cancel_the_read_the_others_wait_for() -> None:
    store = Store()
    shared: SharedReads[str, tuple[str, int]] = SharedReads(store.read)
    running = asyncio.ensure_future(shared.get("fund-1"))
    await settle()
    quitter = asyncio.ensure_future(shared.get("fund-1"))
    stayer = asyncio.ensure_future(shared.get("fund-1"))
    await settle()
    quitter.cancel()
    await settle()
    store.gate.set()
    assert await running == ("fund-1", 1)
    assert await stayer == ("fund-1", 1)
    assert quitter.cancelled()
    assert len(store.reads) == 2


async def test_a_read_stopped_with_its_process_cancels_the_requests_it_served() -> None:
    store = Store()
    shared: SharedReads[str, tuple[str, int]] = SharedReads(store.read)
    asked = asyncio.ensure_future(shared.get("fund-1"))
    await settle()
    for task in list(shared._tasks):
        task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asked
    await settle()
    assert shared.keys_in_flight == 0

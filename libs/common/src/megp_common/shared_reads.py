"""Concurrent reads of one document served by one read of the store, never by an older one.

When forty members of a group check their positions in the same second, forty finds of the same
fund document reach the store and forty copies are decoded, though one read answers them all.
Handing a request the answer of a read that was already under way when it arrived would be
cheaper still but wrong: that read may have started before the caller's own write committed,
and a caller must always see what it has just written.

`SharedReads` keeps at most one read per key under way. A request that finds none starts it; a
request that arrives while one is under way waits for the next, which starts as soon as the
current one ends and serves everyone who arrived meanwhile. So every answer comes from a read
that began after its request arrived (each caller sees every write that committed before it
asked), the store sees at most one read per key at a time however many ask, and a caller waits
at most for the end of the read it found running plus its own.

The answer is shared: callers must treat it as read-only (funds' views, which cannot be
committed, are). A read that fails fails every request it was serving; a caller that gives up
does not cancel a read others are waiting for."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(eq=False)
class _Key(Generic[V]):
    #: the answer of the read under way, and of the one that starts when it ends
    running: asyncio.Future[V] | None = None
    next: asyncio.Future[V] | None = None


class SharedReads(Generic[K, V]):
    def __init__(self, read: Callable[[K], Awaitable[V]]) -> None:
        self._read = read
        self._keys: dict[K, _Key[V]] = {}
        #: reads actually made and requests answered (a request served by another's read
        #: counts only in `requests`)
        self.reads = 0
        self.requests = 0
        self._tasks: set[asyncio.Task[None]] = set()  # held, so none is collected mid-read

    async def get(self, key: K) -> V:
        self.requests += 1
        slot = self._keys.get(key)
        if slot is None:
            slot = self._keys[key] = _Key()
        if slot.running is None:
            answer = self._start(key, slot)
        else:
            if slot.next is None:
                slot.next = asyncio.get_running_loop().create_future()
                slot.next.add_done_callback(_seen)
            answer = slot.next
        return await asyncio.shield(answer)

    def _start(
        self, key: K, slot: _Key[V], answer: asyncio.Future[V] | None = None
    ) -> asyncio.Future[V]:
        if answer is None:
            answer = asyncio.get_running_loop().create_future()
            answer.add_done_callback(_seen)
        slot.running = answer
        self.reads += 1
        # a context of its own: the read serves several requests, none of whose context it has
        task = asyncio.create_task(self._run(key, slot, answer), context=contextvars.Context())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return answer

    async def _run(self, key: K, slot: _Key[V], answer: asyncio.Future[V]) -> None:
        try:
            answer.set_result(await self._read(key))
        except Exception as exc:  # every request it served gets the failure
            answer.set_exception(exc)
        except BaseException:  # the read itself was stopped (the process is ending)
            answer.cancel()
            raise
        finally:
            following, slot.next = slot.next, None
            slot.running = None
            if following is not None:
                self._start(key, slot, following)
            elif self._keys.get(key) is slot:
                del self._keys[key]

    @property
    def keys_in_flight(self) -> int:
        return len(self._keys)


def _seen(answer: asyncio.Future[Any]) -> None:
    """Every caller may have given up: a failure is then nobody's to read."""
    if not answer.cancelled():
        answer.exception()

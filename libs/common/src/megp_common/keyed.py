"""One holder at a time per key within this process: an asyncio lock per key, kept only while
someone holds or waits for it (the store's document writes, the keyed requests in flight)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable, Iterable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class KeyedLocks(Generic[K]):
    def __init__(self) -> None:
        self._locks: dict[K, tuple[asyncio.Lock, list[int]]] = {}

    @asynccontextmanager
    async def hold(self, key: K) -> AsyncIterator[None]:
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]

    @asynccontextmanager
    async def hold_free(self, keys: Iterable[K]) -> AsyncIterator[list[K]]:
        """Hold those of `keys` nobody holds or waits for right now, taken at once without
        waiting, and yield them; the others are left alone."""
        taken: list[tuple[K, asyncio.Lock, list[int]]] = []
        for key in keys:
            if key in self._locks:
                continue  # held or awaited
            lock, users = asyncio.Lock(), [1]
            self._locks[key] = (lock, users)
            await lock.acquire()  # a new lock: taken at once
            taken.append((key, lock, users))
        try:
            yield [key for key, _, _ in taken]
        finally:
            for key, lock, users in taken:
                lock.release()
                users[0] -= 1
                if users[0] == 0:
                    del self._locks[key]

    def __len__(self) -> int:
        """How many keys are held or waited for now."""
        return len(self._locks)

"""A cache bounded by what its values weigh, not by how many there are.

A count bounds memory only when every value is about the same size. A fund's decoded records
grow with its members' history and a deposit sheet's journal entry has two lines per member,
so a process that keeps "the last 1,024" of them holds a few megabytes on its first day and a
gigabyte in the programme's fourth year. `SizedLRU` keeps the most recently used values while
the sum of their weights (the caller's estimate of the bytes each takes) stays within a budget,
dropping the least recently used first; one value heavier than the whole budget is still kept,
alone, so the entry just read is always there for its reader."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SizedLRU(Generic[K, V]):
    def __init__(self, budget: int) -> None:
        if budget <= 0:
            raise ValueError("a cache's budget is a positive number of bytes")
        self.budget = budget
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._weight = 0

    def get(self, key: K) -> V | None:
        """The value kept for `key` (now the most recently used), or None."""
        hit = self._items.get(key)
        if hit is None:
            return None
        self._items.move_to_end(key)
        return hit[0]

    def put(self, key: K, value: V, weight: int) -> None:
        """Keep `value` for `key` (replacing what was kept), weighing `weight` bytes."""
        old = self._items.pop(key, None)
        if old is not None:
            self._weight -= old[1]
        self._items[key] = (value, max(weight, 0))
        self._weight += max(weight, 0)
        while self._weight > self.budget and len(self._items) > 1:
            _, (_, dropped) = self._items.popitem(last=False)
            self._weight -= dropped

    def touch(self, key: K) -> None:
        """Mark `key` as just used, if it is kept."""
        if key in self._items:
            self._items.move_to_end(key)

    @property
    def weight(self) -> int:
        return self._weight

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

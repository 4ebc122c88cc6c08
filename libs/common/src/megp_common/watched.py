"""In-process indexes of the aggregates a periodic job looks for.

A scheduler asks, every few seconds and at every move of the shared clock, "which funds wake
today?", "which loans are active?". As a store query that is a filter on a field other than
`_id`, which FerretDB v1 answers by decoding every document of the collection: the cost grows
with the programme's history, not with the work due. `Watched` keeps the answer in memory
instead: the repository tells it the value of every aggregate it commits, and it reads the store
only at its first use and every `rescan_s` (to pick up what another process committed).

    wakes = Watched(funds, query={"wake_on": {"$ne": None}}, value=lambda f: iso(f.wake_on))
    due = await wakes.up_to(today.isoformat())

Values are strings compared as strings (ISO dates, status names); an aggregate whose value is
None is not in the index.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from megp_common.aggregate import Aggregate

if TYPE_CHECKING:
    from megp_common.mongo import AggregateRepository

A = TypeVar("A", bound=Aggregate)


class Watched(Generic[A]):
    #: the rescan period of views built without one: `WATCHED_RESCAN_S`, set at start-up
    default_rescan_s: float = 60.0

    def __init__(
        self,
        repo: AggregateRepository[A],
        *,
        query: Mapping[str, Any],
        value: Callable[[A], str | None],
        rescan_s: float | None = None,
    ) -> None:
        """`value` is what the index keeps for an aggregate (None: not in the index); `query`
        selects, in the store, every aggregate for which it may not be None (its plain
        equalities must be on scalar fields: they are pushed down, see mongo.SCALAR_EQ)."""
        self.repo, self.query, self.value = repo, dict(query), value
        self.rescan_s = Watched.default_rescan_s if rescan_s is None else rescan_s
        self._values: dict[str, str] = {}
        self._noted: set[str] = set()  # committed while a rescan was reading
        self._scanned_at: float | None = None
        repo.on_commit(self)

    def note(self, aggregate: A) -> None:
        """Called by the repository after each commit of an aggregate."""
        self._noted.add(aggregate.id)
        current = self.value(aggregate)
        if current is None:
            self._values.pop(aggregate.id, None)
        else:
            self._values[aggregate.id] = current

    def invalidate(self) -> None:
        """The next question reads the store again."""
        self._scanned_at = None

    async def _fresh(self) -> dict[str, str]:
        now = time.monotonic()
        if self._scanned_at is not None and now - self._scanned_at < self.rescan_s:
            return self._values
        self._noted = set()
        stored = {
            a.id: v
            for a in await self.repo.find_many(self.query, scalar_eq=True)
            if (v := self.value(a)) is not None
        }
        # what this process committed during the scan is newer than what the scan read
        fresh = {k: v for k, v in self._values.items() if k in self._noted}
        gone = self._noted - fresh.keys()
        self._values = {k: v for k, v in stored.items() if k not in gone} | fresh
        self._scanned_at = now
        return self._values

    async def up_to(self, bound: str) -> list[str]:
        """Ids whose value is at most `bound`, in id order."""
        return sorted(k for k, v in (await self._fresh()).items() if v <= bound)

    async def equal_to(self, wanted: str) -> list[str]:
        return sorted(k for k, v in (await self._fresh()).items() if v == wanted)

    async def all(self) -> dict[str, str]:
        return dict(await self._fresh())

    async def fetch_up_to(self, bound: str) -> list[A]:
        """The aggregates whose value is at most `bound`, read by `_id` and checked again on
        what was read (the index may be behind another process)."""
        return await self._fetch(await self.up_to(bound), lambda v: v <= bound)

    async def fetch_equal_to(self, wanted: str) -> list[A]:
        return await self._fetch(await self.equal_to(wanted), lambda v: v == wanted)

    async def _fetch(self, ids: list[str], keep: Callable[[str], bool]) -> list[A]:
        out = []
        for aggregate_id in ids:
            found = await self.repo.find(aggregate_id)
            current = None if found is None else self.value(found)
            if found is not None and current is not None and keep(current):
                out.append(found)
        return out

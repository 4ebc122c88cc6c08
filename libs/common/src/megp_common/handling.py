"""Applying a consumed event to an aggregate exactly once in effect."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from megp_common.aggregate import Aggregate
from megp_common.errors import Conflict, NotFound
from megp_common.mongo import AggregateRepository, ConcurrencyConflict

A = TypeVar("A", bound=Aggregate)


async def apply_once(
    repo: AggregateRepository[A],
    aggregate_id: str,
    event_id: str,
    change: Callable[[A], None],
    *,
    create: Callable[[], A] | None = None,
) -> bool:
    """Load, check the event was not applied yet, change, remember the event id, commit: the id
    and the effect land in one conditional write. Returns False for a duplicate."""
    aggregate = await repo.find(aggregate_id)
    if aggregate is None:
        if create is None:
            raise NotFound(f"{repo.model.__name__} {aggregate_id} does not exist (yet)")
        aggregate = create()
        change(aggregate)
        aggregate.mark_applied(event_id)
        try:
            await repo.add(aggregate)
        except Conflict as exc:  # created concurrently: retry against the stored one
            raise ConcurrencyConflict(str(exc)) from exc
        return True
    if aggregate.has_applied(event_id):
        return False
    change(aggregate)
    aggregate.mark_applied(event_id)
    await repo.save(aggregate)
    return True


class Recent(Generic[A]):
    """The aggregates a consumer committed last, as it committed them, so that its next batch
    for one of them writes without reading it first (a busy aggregate then costs one write per
    batch, not a read and a write). Safe by the conditional update: a copy gone stale (another
    process or request committed since) fails its write with ConcurrencyConflict, and the retry
    reads the store. A copy is taken out while a batch works on it and put back only once its
    commit succeeded, so a failed or concurrent batch never sees a half-changed one. Holds at
    most `size` aggregates, the least recently committed dropped first."""

    def __init__(self, size: int = 1000) -> None:
        self._size = size
        self._items: OrderedDict[str, A] = OrderedDict()

    def take(self, aggregate_id: str) -> A | None:
        return self._items.pop(aggregate_id, None)

    def keep(self, aggregate: A) -> None:
        self._items[aggregate.id] = aggregate
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


async def apply_many_once(
    repo: AggregateRepository[A],
    items: Sequence[tuple[str, str, Callable[[A], None]]],
    *,
    create: Callable[[str], A] | None = None,
    recent: Recent[A] | None = None,
) -> int:
    """`apply_once` for a batch of (aggregate id, event id, change): each aggregate is read once
    (not at all if `recent` holds it as this process last committed it), given its events in
    order (skipping those already applied) and committed once. Aggregates are committed
    concurrently; if any fails the caller may re-run the batch, or each item, safely.
    Returns how many events took effect."""
    by_aggregate: dict[str, list[tuple[str, Callable[[A], None]]]] = {}
    for aggregate_id, event_id, change in items:
        by_aggregate.setdefault(aggregate_id, []).append((event_id, change))

    async def one(aggregate_id: str, changes: list[tuple[str, Callable[[A], None]]]) -> int:
        aggregate = recent.take(aggregate_id) if recent is not None else None
        if aggregate is None:
            aggregate = await repo.find(aggregate_id)
        is_new = aggregate is None
        if aggregate is None:
            if create is None:
                raise NotFound(f"{repo.model.__name__} {aggregate_id} does not exist (yet)")
            aggregate = create(aggregate_id)
        applied = 0
        for event_id, change in changes:
            if aggregate.has_applied(event_id):
                continue
            change(aggregate)
            aggregate.mark_applied(event_id)
            applied += 1
        if applied == 0:
            if recent is not None and not is_new:
                recent.keep(aggregate)
            return 0
        if is_new:
            try:
                await repo.add(aggregate)
            except Conflict as exc:
                raise ConcurrencyConflict(str(exc)) from exc
        else:
            await repo.save(aggregate)
        if recent is not None:
            recent.keep(aggregate)
        return applied

    results = await asyncio.gather(*(one(a, c) for a, c in by_aggregate.items()))
    return sum(results)

"""Applying a consumed event to an aggregate exactly once in effect."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from megp_common.aggregate import Aggregate
from megp_common.errors import Conflict, NotFound
from megp_common.mongo import AggregateRepository, ConcurrencyConflict, Shard

A = TypeVar("A", bound=Aggregate)


async def apply_once(
    repo: AggregateRepository[A],
    aggregate_id: str,
    event_id: str,
    change: Callable[[A], None],
    *,
    create: Callable[[], A] | None = None,
    shard: Shard | None = None,
) -> bool:
    """Load, check the event was not applied yet, change, remember the event id, commit: the id
    and the effect land in one conditional write. Returns False for a duplicate. `shard`: the
    aggregate's state and group as the event tells them (the load names them)."""
    aggregate = await repo.find(aggregate_id, shard)
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


async def apply_many_once(
    repo: AggregateRepository[A],
    items: Sequence[tuple[str, str, Callable[[A], None]]],
    *,
    create: Callable[[str], A] | None = None,
    shards: Mapping[str, Shard] | None = None,
) -> int:
    """`apply_once` for a batch of (aggregate id, event id, change): each aggregate is read once,
    given its events in order (skipping those already applied) and committed once. Aggregates are
    committed concurrently; if any fails the caller may re-run the batch, or each item, safely.
    Returns how many events took effect. `shards`: by aggregate id, its state and group as the
    events tell them (each load names them)."""
    by_aggregate: dict[str, list[tuple[str, Callable[[A], None]]]] = {}
    for aggregate_id, event_id, change in items:
        by_aggregate.setdefault(aggregate_id, []).append((event_id, change))

    async def one(aggregate_id: str, changes: list[tuple[str, Callable[[A], None]]]) -> int:
        aggregate = await repo.find(
            aggregate_id, None if shards is None else shards.get(aggregate_id)
        )
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
            return 0
        if is_new:
            try:
                await repo.add(aggregate)
            except Conflict as exc:
                raise ConcurrencyConflict(str(exc)) from exc
        else:
            await repo.save(aggregate)
        return applied

    results = await asyncio.gather(*(one(a, c) for a, c in by_aggregate.items()))
    return sum(results)

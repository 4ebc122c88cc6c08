"""Applying a consumed event to an aggregate exactly once in effect."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

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

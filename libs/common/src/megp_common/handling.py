"""Applying a consumed event to an aggregate exactly once in effect: one event at a time
(`apply_once`), or a run of them with one read and one write per aggregate (`apply_many_once`,
and `batched`, the consumers' one way of building a `BatchHandler` from a per-event plan; a
`Family` of them, for several event types writing the same aggregates, shares runs); and what
the plans of one run read alike, read once for the run (`read_once`)."""

from __future__ import annotations

import asyncio
import inspect
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from megp_common.aggregate import Aggregate
from megp_common.consumer import BatchHandler, PermanentError
from megp_common.context import causal_context
from megp_common.errors import Conflict, NotFound
from megp_common.events import EventEnvelope
from megp_common.mongo import AggregateRepository, ConcurrencyConflict, Shard

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")

#: what the plans of the run being planned have read, by key (`read_once`); None outside a run
_RUN_READS: ContextVar[dict[Hashable, Any] | None] = ContextVar("megp_run_reads", default=None)


async def read_once(key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
    """What a plan reads that the other plans of its run read too (enrollment's plan book of
    the group a run of sales lands in): loaded by the run's first plan that asks for `key`, the
    later ones given the same value, so a run of a group's sales reads its book once, not once
    a sale. A run's plans are all made before its writes, so each gets what it would have read
    itself; a load that fails is not kept (the next asks again). Outside a run (a plan called
    on its own) it loads each time. The value is shared: plans only read it."""
    memo = _RUN_READS.get()
    if memo is None:
        return await load()
    if key not in memo:
        memo[key] = await load()
    value: T = memo[key]
    return value


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

    def peek(self, aggregate_id: str) -> A | None:
        """The copy held, left held: for a reader that uses it at once, awaiting nothing in
        between (a writer takes its copy out before it changes it)."""
        return self._items.get(aggregate_id)

    def keep(self, aggregate: A) -> None:
        """Hold `aggregate` as just committed; a newer copy, kept by a writer that finished
        first, stays."""
        held = self._items.get(aggregate.id)
        if held is not None and held.version > aggregate.version:
            return
        self._items[aggregate.id] = aggregate
        self._items.move_to_end(aggregate.id)
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
    shards: Mapping[str, Shard] | None = None,
) -> int:
    """`apply_once` for a batch of (aggregate id, event id, change): each aggregate is read once
    (not at all if `recent` holds it as this process last committed it; the others in one
    query, `find_by_ids`), given its events in
    order (skipping those already applied) and committed once. Aggregates already stored are
    committed concurrently; those the batch creates are inserted together in one bulk write (a
    run of enrollments makes as many new records). If any fails the caller may re-run the
    batch, or each item, safely. Returns how many events took effect. `shards`: by aggregate
    id, its state and group as the events tell them (each load names them)."""
    by_aggregate: dict[str, list[tuple[str, Callable[[A], None]]]] = {}
    for aggregate_id, event_id, change in items:
        by_aggregate.setdefault(aggregate_id, []).append((event_id, change))

    # what `recent` does not hold is read in one `$in` query (or a few), not one read each
    held = {a: recent.take(a) for a in by_aggregate} if recent is not None else {}
    unheld = [a for a in by_aggregate if held.get(a) is None]
    loaded = await repo.find_by_ids(unheld, shards) if unheld else {}

    async def one(aggregate_id: str, changes: list[tuple[str, Callable[[A], None]]]) -> int:
        aggregate = held.get(aggregate_id)
        if aggregate is None:
            aggregate = loaded.get(aggregate_id)
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
            created.append(aggregate)  # inserted with the run's others, below
            return applied
        await repo.save(aggregate)
        if recent is not None:
            recent.keep(aggregate)
        return applied

    created: list[A] = []
    results = await asyncio.gather(*(one(a, c) for a, c in by_aggregate.items()))
    # any created concurrently by another writer: the caller retries against the stored ones
    # (those inserted here are committed; their events are remembered as applied)
    taken = await repo.add_many(created) if created else []
    if recent is not None:
        refused = {a.id for a in taken}
        for aggregate in created:
            if aggregate.id not in refused:
                recent.keep(aggregate)
    if taken:
        raise ConcurrencyConflict(
            f"{repo.model.__name__} {', '.join(a.id for a in taken[:3])} already exist"
        )
    return sum(results)


@dataclass(frozen=True)
class Planned(Generic[A]):
    """What one consumed event does to one aggregate: its id and the change. `create` makes
    the aggregate when none is stored yet (the first planned one of a run counts), and `then`
    runs once the write holding the change is done, only if the event took effect (a
    redelivered one does not), for what follows it outside the store (a log line). `shard`:
    where the aggregate lives, as the event tells it (its load names it); by default the
    event's state, the group left to what the repository knows."""

    aggregate_id: str
    change: Callable[[A], object]
    create: Callable[[], A] | None = None
    then: Callable[[], object] | None = None
    shard: Shard | None = None


#: from an event (envelope and payload), what it does; None when it concerns no aggregate
Plan = Callable[[EventEnvelope, Any], Planned[A] | Awaitable[Planned[A] | None] | None]


def guarded(
    envelope: EventEnvelope,
    change: Callable[[A], object],
    refusals: tuple[type[Exception], ...] = (),
) -> Callable[[A], None]:
    """`change` run in its event's causal context (what it records names its own cause, even
    when a run of events is committed together), a domain refusal among `refusals` made a
    PermanentError (bad data: no retry can help; the runner dead-letters the event)."""

    def run(aggregate: A) -> None:
        with causal_context(envelope.correlationid, envelope.id):
            try:
                change(aggregate)
            except refusals as exc:
                raise PermanentError(str(getattr(exc, "detail", exc))) from exc

    return run


async def apply_planned(
    repo: AggregateRepository[A],
    planned: Sequence[tuple[EventEnvelope, Planned[A]]],
    *,
    create: Callable[[str], A] | None = None,
    refusals: tuple[type[Exception], ...] = (),
    recent: Recent[A] | None = None,
) -> int:
    """Apply each event's planned change exactly once, with one read and one write per
    aggregate (`apply_many_once`, with `recent` if given), then the `then` of each event that
    took effect. Returns how many did."""
    return await _apply_steps(
        repo, [(envelope, step, create, refusals) for envelope, step in planned], recent
    )


#: an event's planned change, with the default way to create its aggregate and the refusals
#: of the handler that planned it
_Step = tuple[EventEnvelope, Planned[A], Callable[[str], A] | None, tuple[type[Exception], ...]]


async def _apply_steps(
    repo: AggregateRepository[A], steps: Sequence[_Step[A]], recent: Recent[A] | None
) -> int:
    creates: dict[str, Callable[[], A]] = {}
    defaults: dict[str, Callable[[str], A]] = {}
    shards: dict[str, Shard] = {}
    took: list[Callable[[], object]] = []
    work: list[tuple[str, str, Callable[[A], None]]] = []
    for envelope, step, create, refusals in steps:
        if step.create is not None:
            creates.setdefault(step.aggregate_id, step.create)
        if create is not None:
            defaults.setdefault(step.aggregate_id, create)
        shards.setdefault(step.aggregate_id, step.shard or Shard(envelope.state))
        change = guarded(envelope, step.change, refusals)
        if step.then is not None:
            change = _noting(change, step.then, took)
        work.append((step.aggregate_id, envelope.id, change))

    def make(aggregate_id: str) -> A:
        if aggregate_id in creates:
            return creates[aggregate_id]()
        if aggregate_id not in defaults:
            raise NotFound(f"{repo.model.__name__} {aggregate_id} does not exist (yet)")
        return defaults[aggregate_id](aggregate_id)

    applied = await apply_many_once(repo, work, create=make, recent=recent, shards=shards)
    for then in took:
        then()
    return applied


def _noting(
    change: Callable[[A], None], then: Callable[[], object], took: list[Callable[[], object]]
) -> Callable[[A], None]:
    def run(aggregate: A) -> None:
        change(aggregate)
        took.append(then)

    return run


@dataclass(frozen=True)
class _Part(Generic[A]):
    """What one batched handler of a family brings: its plan and its own ways (see `batched`)."""

    plan: Plan[A]
    create: Callable[[str], A] | None
    after: Callable[[list[str]], object] | None
    refusals: tuple[type[Exception], ...]


class Family(Generic[A]):
    """The batched handlers of several event types that change the aggregates of one repository
    (donors' project: a group's members joining, leaving, enrolling, its sales...): a run mixing
    their events is applied as one, with one read and one write per aggregate, each event's
    change in the partition's order, each event exactly once. Each type keeps its own plan,
    `create`, `then`, `after` and `refusals`; `hold` and `recent` are the family's (they guard
    and remember the same aggregates). `after` runs once the run is written, with the ids its
    own type's events planned (one `after` shared by several types, once with all of theirs).

    Only handlers whose plans need nothing another's event of the run writes belong together:
    a run's plans are all made before its writes (as in a run of one type)."""

    def __init__(
        self,
        repo: AggregateRepository[A],
        *,
        hold: Callable[[list[str]], AbstractAsyncContextManager[object]] | None = None,
        recent: Recent[A] | None = None,
    ) -> None:
        self.repo, self._hold, self._recent = repo, hold, recent
        self._parts: dict[BatchHandler, _Part[A]] = {}

    def batched(
        self,
        plan: Plan[A],
        *,
        create: Callable[[str], A] | None = None,
        after: Callable[[list[str]], object] | None = None,
        refusals: tuple[type[Exception], ...] = (),
    ) -> BatchHandler:
        """A handler of the family (`batched` says what its arguments do)."""
        part = _Part(plan, create, after, refusals)
        me: list[BatchHandler] = []

        async def handle(items: list[tuple[EventEnvelope, Any]]) -> None:
            await self.handle_run([(me[0], envelope, event) for envelope, event in items])

        handler = BatchHandler(handle, family=self)
        me.append(handler)
        self._parts[handler] = part
        return handler

    async def handle_run(self, run: Sequence[tuple[BatchHandler, EventEnvelope, Any]]) -> None:
        steps: list[_Step[A]] = []
        afters: list[tuple[Callable[[list[str]], object], set[str]]] = []
        reads = _RUN_READS.set({})  # what the run's plans read alike, read once (`read_once`)
        try:
            for handler, envelope, event in run:
                part = self._parts[handler]
                with causal_context(envelope.correlationid, envelope.id):
                    step = part.plan(envelope, event)
                    if inspect.isawaitable(step):
                        step = await step
                if step is None:
                    continue
                steps.append((envelope, step, part.create, part.refusals))
                if part.after is not None:
                    mine = next((ids for f, ids in afters if f == part.after), None)
                    if mine is None:
                        afters.append((part.after, mine := set()))
                    mine.add(step.aggregate_id)
        finally:
            _RUN_READS.reset(reads)
        if not steps:
            return
        ids = sorted({step.aggregate_id for _, step, _, _ in steps})
        async with self._hold(ids) if self._hold is not None else nullcontext():
            await _apply_steps(self.repo, steps, self._recent)
        for after, its_ids in afters:
            done = after(sorted(its_ids))
            if inspect.isawaitable(done):
                await done


def batched(
    repo: AggregateRepository[A],
    plan: Plan[A],
    *,
    create: Callable[[str], A] | None = None,
    hold: Callable[[list[str]], AbstractAsyncContextManager[object]] | None = None,
    after: Callable[[list[str]], object] | None = None,
    refusals: tuple[type[Exception], ...] = (),
    recent: Recent[A] | None = None,
) -> BatchHandler:
    """The consumer's handler for events that each change one aggregate of `repo`: a run of
    them (consecutive, from one partition) is applied with one read and one write per
    aggregate, each event exactly once (its id is kept in the write that holds its effect).
    One event alone goes the same way, as a run of one; if a run fails, the runner hands its
    events over one by one, with retries and dead-lettering. A family of one: handlers of
    several types that write the same aggregates share runs through `Family`.

    `create` makes an aggregate none is stored for (unless the plan says how); `hold` is the
    service's own serialization of writes to those aggregates (entered with the run's sorted
    ids, around the reads and writes), and `after` runs with them once the run is written
    (awaited if it is a coroutine); `refusals` are the domain's errors no retry can cure;
    `recent` keeps the aggregates the handler last committed, to write them without reading
    them first (`Recent`)."""
    return Family(repo, hold=hold, recent=recent).batched(
        plan, create=create, after=after, refusals=refusals
    )

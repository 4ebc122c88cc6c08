"""One writer per aggregate in a process, so that concurrent requests to one aggregate never race.

Every change a request (or a scheduler) makes to an aggregate through the writer is a job queued
on that aggregate's line. A single task per busy line takes the jobs waiting there (up to
`max_batch`), reads the aggregate once, applies them one after another in arrival order, and
commits them all in one conditional write (a group commit): sixty deposits to a fund, or a
hundred members' demands in a purchasing round, cost one read and one write of its document,
and each change still records its own events, under its own causal context.

A job the rules refuse gets its refusal, and the others are applied again to a fresh read
without it (a refused change may have left the copy half changed). Outcomes are handed out only
once the write succeeded, so every success and every refusal was decided on the state actually
committed, in one serial order. A job's result is what it returns when applied; a job that
returns the aggregate itself hands its caller the copy as committed, with the batch's other
changes and the committed version (what a read just after would show).

Across processes the version check of the write still decides: a batch that lost the race is
read and applied again after a jittered pause (megp_common.retry); only when that keeps failing
do its jobs get the repository's "busy" refusal (a 409 with Retry-After). Work that changes the
aggregate outside the writer either holds the same line (`exclusive`: funds' consumers) or
meets it at the version check like any other writer (another process's). Trade's rounds take
the line for every change: demands, closings (the scheduler's too), quotes, the choice, shares
and financing requests.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from megp_common.aggregate import Aggregate
from megp_common.context import CausalContext, causal_context, current_context
from megp_common.errors import Conflict
from megp_common.mongo import ConcurrencyConflict
from megp_common.retry import Backoff, retry_on_conflict

A = TypeVar("A", bound=Aggregate)

RETRY_AFTER_S = 1
MAX_BATCH = 64
#: aggregates whose last committed version the writer remembers (a copy read before it is stale)
VERSIONS_KEPT = 4096

Outcome = tuple[Any, bool]
"""What a job returns: its result for the caller, and whether it changed the aggregate."""


class Committing(Protocol[A]):
    """What the writer needs of a repository: a fresh read by id and the conditional commit."""

    async def get(self, aggregate_id: str) -> A: ...

    async def save(self, aggregate: A) -> None: ...


def busy(what: str) -> Conflict:
    return Conflict(
        f"{what} is being changed elsewhere at the same time; retry shortly",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


@dataclass(eq=False)
class _Waiting(Generic[A]):
    job: Callable[[A], Outcome]
    context: CausalContext
    read: A | None  # the aggregate as the caller read it, if it did
    done: asyncio.Future[Any]


@dataclass(eq=False)
class _Line(Generic[A]):
    waiting: list[_Waiting[A]] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    task: asyncio.Task[None] | None = None
    holders: int = 0  # `exclusive` sections holding or waiting for the lock

    @property
    def idle(self) -> bool:
        return self.task is None and self.holders == 0 and not self.waiting


class AggregateWriter(Generic[A]):
    """The lines of one repository's aggregates in this process.

    `usable(read)`: whether a copy a caller read may start a batch (False for a copy this
    process has committed since, certain to fail its version check, or a read-only view);
    `committed(aggregate)`: called after each successful write; `name(id)`: how a refusal
    names the aggregate ("fund 0192…")."""

    def __init__(
        self,
        repository: Committing[A],
        *,
        name: Callable[[str], str],
        usable: Callable[[A], bool] = lambda _: True,
        committed: Callable[[A], None] = lambda _: None,
        backoff: Backoff | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.repository = repository
        self.name, self.usable, self.committed = name, usable, committed
        self.backoff = backoff or Backoff()
        self.max_batch = max_batch
        self._lines: dict[str, _Line[A]] = {}
        self._versions: OrderedDict[str, int] = OrderedDict()

    def busy(self, aggregate_id: str) -> Conflict:
        return busy(self.name(aggregate_id))

    def is_busy(self, aggregate_id: str) -> bool:
        """Whether the aggregate's line has changes waiting or being written, or is held
        (`exclusive`): a change
        submitted now goes in a batch that reads the aggregate itself, so a caller needs only a
        view of it for its checks (`AggregateRepository.view`), not a copy to start from."""
        line = self._lines.get(aggregate_id)
        return line is not None and not line.idle

    async def submit(
        self, aggregate_id: str, job: Callable[[A], Outcome], read: A | None = None
    ) -> Any:
        """Queue `job` on the aggregate's line; its result once the write that holds it
        succeeded. `read`: the aggregate as the caller just read it (the batch may start from
        it)."""
        line = self._lines.setdefault(aggregate_id, _Line())
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        done.add_done_callback(_seen)
        line.waiting.append(_Waiting(job, current_context(), read, done))
        if line.task is None:
            # a context of its own: the first caller's context variables stay with the caller
            line.task = asyncio.create_task(
                self._drain(aggregate_id, line), context=contextvars.Context()
            )
        # a caller that gives up does not cancel the job: the batch holding it may commit
        return await asyncio.shield(done)

    @asynccontextmanager
    async def exclusive(self, aggregate_ids: Iterable[str]) -> AsyncIterator[None]:
        """Hold these aggregates' lines (in one order, so two holders never wait on each
        other)."""
        async with AsyncExitStack() as stack:
            for aggregate_id in sorted(set(aggregate_ids)):
                await stack.enter_async_context(self._holding(aggregate_id))
            yield

    @asynccontextmanager
    async def _holding(self, aggregate_id: str) -> AsyncIterator[None]:
        line = self._lines.setdefault(aggregate_id, _Line())
        line.holders += 1
        try:
            async with line.lock:
                yield
        finally:
            line.holders -= 1
            self._forget_if_idle(aggregate_id, line)

    def _forget_if_idle(self, aggregate_id: str, line: _Line[A]) -> None:
        if line.idle and self._lines.get(aggregate_id) is line:
            del self._lines[aggregate_id]

    async def _drain(self, aggregate_id: str, line: _Line[A]) -> None:
        try:
            while line.waiting:
                batch = line.waiting[: self.max_batch]
                del line.waiting[: self.max_batch]
                try:
                    async with line.lock:
                        await self._commit(aggregate_id, batch)
                except BaseException as exc:
                    _settle(batch, exc if isinstance(exc, Exception) else self.busy(aggregate_id))
                    if not isinstance(exc, Exception):
                        raise
        finally:
            line.task = None
            _settle(line.waiting, self.busy(aggregate_id))  # only when the task was stopped
            line.waiting.clear()
            self._forget_if_idle(aggregate_id, line)

    async def _commit(self, aggregate_id: str, batch: list[_Waiting[A]]) -> None:
        start: A | None = self._start_from(batch)

        async def attempt() -> list[tuple[_Waiting[A], Any, Exception | None]]:
            nonlocal start
            aggregate, start = start, None  # a retry reads the aggregate again
            return await self._apply_and_write(aggregate_id, aggregate, batch)

        try:
            outcomes = await retry_on_conflict(attempt, ConcurrencyConflict, self.backoff)
        except ConcurrencyConflict as exc:
            raise self.busy(aggregate_id) from exc
        for waiting, result, refusal in outcomes:
            if waiting.done.done():
                continue
            if refusal is not None:
                waiting.done.set_exception(refusal)
            else:
                waiting.done.set_result(result)

    def _start_from(self, batch: list[_Waiting[A]]) -> A | None:
        """The freshest copy a caller already read, unless this writer committed the
        aggregate since (its version check is certain to fail) or `usable` says no."""
        reads = [w.read for w in batch if w.read is not None and not w.read.shared_view]
        newest = max(reads, key=lambda a: a.version, default=None)
        if newest is None or newest.version < self._versions.get(newest.id, 0):
            return None
        return newest if self.usable(newest) else None

    def _remember(self, aggregate: A) -> None:
        self._versions[aggregate.id] = aggregate.version
        self._versions.move_to_end(aggregate.id)
        if len(self._versions) > VERSIONS_KEPT:
            self._versions.popitem(last=False)

    async def _apply_and_write(
        self, aggregate_id: str, aggregate: A | None, batch: list[_Waiting[A]]
    ) -> list[tuple[_Waiting[A], Any, Exception | None]]:
        refused: dict[_Waiting[A], Exception] = {}
        from_read = aggregate is not None  # a caller's copy, possibly stale
        while True:
            if aggregate is None:
                aggregate = await self.repository.get(aggregate_id)
            results: list[tuple[_Waiting[A], Any, Exception | None]] = []
            changed = failed = False
            for waiting in batch:
                if waiting in refused:
                    results.append((waiting, None, refused[waiting]))
                    continue
                try:
                    with causal_context(
                        waiting.context.correlation_id, waiting.context.causation_id
                    ):
                        result, changes = waiting.job(aggregate)
                except Exception as exc:
                    refused[waiting] = exc
                    failed = True
                    break
                results.append((waiting, result, None))
                changed = changed or changes
            if failed:
                aggregate = None  # the refused job may have changed the copy: start again
                if from_read:  # refused on a caller's copy: judged again on the fresh read
                    refused.clear()
                    from_read = False
                continue
            if changed:
                await self.repository.save(aggregate)
                self._remember(aggregate)
                self.committed(aggregate)
            return results


def _settle(batch: Iterable[_Waiting[Any]], error: Exception) -> None:
    for waiting in batch:
        if not waiting.done.done():
            waiting.done.set_exception(error)


def _seen(done: asyncio.Future[Any]) -> None:
    """The caller may have stopped waiting (a client that went away): its refusal is then
    nobody's to read, and not worth asyncio's "exception was never retrieved"."""
    if not done.cancelled():
        done.exception()

"""One writer per fund in this process, so that concurrent requests to one fund never race.

Every change a request or the scheduler makes to a fund is a job queued on that fund's line. A
single task per busy fund takes the jobs waiting there (up to `max_batch`), reads the fund once,
applies them one after another in arrival order, and commits them all in one conditional write
(a group commit): sixty deposits cost one read and one write of the fund document, and each
still posts its own balanced entry and records its own events, under its own causal context.

A job the rules refuse gets its refusal, and the others are applied again to a fresh read
without it (a refused change may have left the copy half changed). Outcomes are handed out only
once the write succeeded, so every success and every refusal was decided on the state actually
committed, in one serial order.

Across processes the version check of the write still decides: a batch that lost the race is
read and applied again after a jittered pause (megp_common.retry); only when that keeps failing
do its jobs get a 409 with Retry-After. Consumers that change funds hold the same line
(`exclusive`) for their own read-change-write, so they do not collide with the writer either.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from funds.adapters.repositories import FundRepository
from funds.domain.fund import Fund
from megp_common.context import CausalContext, causal_context, current_context
from megp_common.errors import Conflict
from megp_common.mongo import ConcurrencyConflict
from megp_common.retry import Backoff, retry_on_conflict

RETRY_AFTER_S = 1
MAX_BATCH = 64

Outcome = tuple[Any, bool]
"""What a job returns: its result for the caller, and whether it changed the fund."""
Job = Callable[[Fund], Outcome]


@dataclass(eq=False)
class _Waiting:
    job: Job
    context: CausalContext
    read: Fund | None  # the fund as the caller read it, if it did
    done: asyncio.Future[Any]


@dataclass(eq=False)
class _Line:
    waiting: list[_Waiting] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    task: asyncio.Task[None] | None = None
    holders: int = 0  # `exclusive` sections holding or waiting for the lock

    @property
    def idle(self) -> bool:
        return self.task is None and self.holders == 0 and not self.waiting


def busy(fund_id: str) -> Conflict:
    return Conflict(
        f"fund {fund_id} is being changed elsewhere at the same time; retry shortly",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


class FundWriter:
    def __init__(
        self,
        funds: FundRepository,
        committed: Callable[[Fund], None],
        *,
        backoff: Backoff | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.funds, self.committed = funds, committed
        self.backoff = backoff or Backoff()
        self.max_batch = max_batch
        self._lines: dict[str, _Line] = {}

    async def submit(self, fund_id: str, job: Job, read: Fund | None = None) -> Any:
        """Queue `job` on the fund's line; its result once the write that holds it succeeded.
        `read`: the fund as the caller just read it (the batch may start from it)."""
        line = self._lines.setdefault(fund_id, _Line())
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        done.add_done_callback(_seen)
        line.waiting.append(_Waiting(job, current_context(), read, done))
        if line.task is None:
            # a context of its own: the first caller's context variables stay with the caller
            line.task = asyncio.create_task(
                self._drain(fund_id, line), context=contextvars.Context()
            )
        # a caller that gives up does not cancel the job: the batch holding it may commit
        return await asyncio.shield(done)

    @asynccontextmanager
    async def exclusive(self, fund_ids: Iterable[str]) -> AsyncIterator[None]:
        """Hold these funds' lines (in one order, so two holders never wait on each other)."""
        async with AsyncExitStack() as stack:
            for fund_id in sorted(set(fund_ids)):
                await stack.enter_async_context(self._holding(fund_id))
            yield

    @asynccontextmanager
    async def _holding(self, fund_id: str) -> AsyncIterator[None]:
        line = self._lines.setdefault(fund_id, _Line())
        line.holders += 1
        try:
            async with line.lock:
                yield
        finally:
            line.holders -= 1
            self._forget_if_idle(fund_id, line)

    def _forget_if_idle(self, fund_id: str, line: _Line) -> None:
        if line.idle and self._lines.get(fund_id) is line:
            del self._lines[fund_id]

    async def _drain(self, fund_id: str, line: _Line) -> None:
        try:
            while line.waiting:
                batch = line.waiting[: self.max_batch]
                del line.waiting[: self.max_batch]
                try:
                    async with line.lock:
                        await self._commit(fund_id, batch)
                except BaseException as exc:
                    _settle(batch, exc if isinstance(exc, Exception) else busy(fund_id))
                    if not isinstance(exc, Exception):
                        raise
        finally:
            line.task = None
            _settle(line.waiting, busy(fund_id))  # only when the task itself was stopped
            line.waiting.clear()
            self._forget_if_idle(fund_id, line)

    async def _commit(self, fund_id: str, batch: list[_Waiting]) -> None:
        start: Fund | None = self._start_from(batch)

        async def attempt() -> list[tuple[_Waiting, Any, Exception | None]]:
            nonlocal start
            fund, start = start, None  # a retry reads the fund again
            return await self._apply_and_write(fund_id, fund, batch)

        try:
            outcomes = await retry_on_conflict(attempt, ConcurrencyConflict, self.backoff)
        except ConcurrencyConflict as exc:
            raise busy(fund_id) from exc
        for waiting, result, refusal in outcomes:
            if waiting.done.done():
                continue
            if refusal is not None:
                waiting.done.set_exception(refusal)
            else:
                waiting.done.set_result(result)

    def _start_from(self, batch: list[_Waiting]) -> Fund | None:
        """The freshest copy a caller already read, unless this process committed since."""
        reads = [w.read for w in batch if w.read is not None and not w.read.is_view]
        newest = max(reads, key=lambda f: f.version, default=None)
        return newest if newest is not None and self.funds.is_current(newest) else None

    async def _apply_and_write(
        self, fund_id: str, fund: Fund | None, batch: list[_Waiting]
    ) -> list[tuple[_Waiting, Any, Exception | None]]:
        refused: dict[_Waiting, Exception] = {}
        while True:
            if fund is None:
                fund = await self.funds.get(fund_id)
            results: list[tuple[_Waiting, Any, Exception | None]] = []
            changed = failed = False
            for waiting in batch:
                if waiting in refused:
                    results.append((waiting, None, refused[waiting]))
                    continue
                try:
                    with causal_context(
                        waiting.context.correlation_id, waiting.context.causation_id
                    ):
                        result, changes = waiting.job(fund)
                except Exception as exc:
                    refused[waiting] = exc
                    failed = True
                    break
                results.append((waiting, result, None))
                changed = changed or changes
            if failed:
                fund = None  # the refused job may have changed the copy: start again
                continue
            if changed:
                await self.funds.save(fund)
                self.committed(fund)
            return results


def _settle(batch: Iterable[_Waiting], error: Exception) -> None:
    for waiting in batch:
        if not waiting.done.done():
            waiting.done.set_exception(error)


def _seen(done: asyncio.Future[Any]) -> None:
    """The caller may have stopped waiting (a client that went away): its refusal is then
    nobody's to read, and not worth asyncio's "exception was never retrieved"."""
    if not done.cancelled():
        done.exception()

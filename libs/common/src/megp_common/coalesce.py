"""Many small store commands asked for at the same moment, sent as one.

A hundred members stating their demands in a purchasing round in the same second each look for
their idempotency record and then insert one: two hundred round trips, each with its own
command, for what one `find` with `$in` and one `insert_many` would do. `Coalesced` keeps at
most one batch command under way per purpose. An item submitted while none runs starts one at
once, alone (no wait is ever added for a caller on a quiet process); items submitted while one
runs wait for the next, which starts as soon as the current one ends and carries them all (up to
`max_batch`; the rest wait for the one after). So the commands a busy process sends fall to one
per round trip, whatever the number of callers, and a lookup always starts after its caller
asked (it sees every write that committed before).

`run(items)` answers each item in order: a value, or an exception for that item alone. If `run`
itself fails, every item of its batch gets the failure. A caller that gives up does not cancel a
batch that holds other callers' items."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 500


@dataclass(eq=False)
class _Pending(Generic[T, R]):
    item: T
    done: asyncio.Future[R] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Coalesced(Generic[T, R]):
    def __init__(
        self,
        run: Callable[[list[T]], Awaitable[Sequence[R | BaseException]]],
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        if max_batch < 1:
            raise ValueError("a batch holds at least one item")
        self._run, self.max_batch = run, max_batch
        self._waiting: list[_Pending[T, R]] = []
        self._task: asyncio.Task[None] | None = None
        #: batches sent and items answered (how much the coalescing saved)
        self.batches = 0
        self.items = 0

    async def submit(self, item: T) -> R:
        pending: _Pending[T, R] = _Pending(item)
        pending.done.add_done_callback(_seen)
        self._waiting.append(pending)
        if self._task is None:
            # a context of its own: the batch serves several callers, none of whose context it has
            self._task = asyncio.create_task(self._drain(), context=contextvars.Context())
        return await asyncio.shield(pending.done)

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self.max_batch]
                del self._waiting[: self.max_batch]
                self.batches += 1
                self.items += len(batch)
                try:
                    answers = await self._run([p.item for p in batch])
                    if len(answers) != len(batch):
                        raise RuntimeError(
                            f"a coalesced batch of {len(batch)} items got {len(answers)} answers"
                        )
                except Exception as exc:
                    _settle(batch, exc)
                    continue
                except BaseException:
                    _settle(batch, _stopped())
                    raise
                for pending, answer in zip(batch, answers, strict=True):
                    if pending.done.done():
                        continue
                    if isinstance(answer, BaseException):
                        pending.done.set_exception(answer)
                    else:
                        pending.done.set_result(answer)
        finally:
            self._task = None
            if self._waiting:  # only when the task itself was stopped
                _settle(self._waiting, _stopped())
                self._waiting.clear()


def _settle(batch: list[_Pending[Any, Any]], error: Exception) -> None:
    for pending in batch:
        if not pending.done.done():
            pending.done.set_exception(error)


def _stopped() -> Exception:
    """What the callers of a batch stopped with its process get: a failure of their own, not a
    cancellation nobody asked them for."""
    return RuntimeError("a coalesced store command was stopped (the process is ending)")


def _seen(done: asyncio.Future[Any]) -> None:
    """A caller that gave up leaves its failure unread: not worth asyncio's warning."""
    if not done.cancelled():
        done.exception()

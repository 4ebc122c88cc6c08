"""The shared writer (megp_common.writer) against the real store: concurrent changes to one
aggregate are committed together, each answered with the state as the serial order left it for
that change; a refused change is answered with its refusal and the others commit without it; a
batch another process got in ahead of is applied again to a fresh read, and a line that stays
contended is refused as busy; `exclusive` holds the line against the writer; views asked for
together share a read and cannot be committed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from megp_common.clock import SettableClock
from megp_common.errors import Conflict, ValidationFailed
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter
from megp_common.retry import Backoff
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import StoreWrites, counting_client
from megp_common.testing.tally import Counter, CounterRepository
from megp_common.writer import AggregateWriter, Outcome

pytestmark = pytest.mark.integration

COUNTER = "c-1"


@dataclass
class Bench:
    repo: CounterRepository
    counted: StoreWrites
    writer: AggregateWriter[Counter]

    async def stored(self) -> Counter:
        return await self.repo.get(COUNTER)


@pytest.fixture
async def bench(infra: Infra) -> AsyncIterator[Bench]:
    client, counted = counting_client(infra.mongo)
    db = client[f"writer_{new_id()[-12:]}"]
    repo = CounterRepository(db, OutboxWriter(service="t", topic="t", clock=SettableClock()))
    await repo.add(Counter(id=COUNTER))
    writer = AggregateWriter(repo, name=lambda i: f"counter {i}")
    try:
        yield Bench(repo, counted, writer)
    finally:
        await client.drop_database(db.name)
        await client.close()


def adding(amount: int):  # type: ignore[no-untyped-def]
    def job(counter: Counter) -> Outcome:
        if amount < 0:
            raise ValidationFailed(f"cannot add {amount}")
        counter.increment(amount)
        return counter.value, True  # the value this change left, in the serial order

    return job


async def test_concurrent_changes_are_one_read_and_one_write(bench: Bench) -> None:
    bench.counted.taken(), bench.counted.reads_taken()
    results = await asyncio.gather(*(bench.writer.submit(COUNTER, adding(n)) for n in range(1, 41)))
    # each answered with the running total its own change left: one serial order, arrival's
    assert results == [n * (n + 1) // 2 for n in range(1, 41)]
    stored = await bench.stored()
    assert stored.value == 820 and stored.version == 2  # one commit after the add
    assert bench.counted.taken() == {"counters": 1}
    assert bench.counted.reads_taken() == {"counters": 2}  # the batch's read, and ours


async def test_a_refused_change_leaves_the_others_to_commit(bench: Bench) -> None:
    outcomes = await asyncio.gather(
        bench.writer.submit(COUNTER, adding(5)),
        bench.writer.submit(COUNTER, adding(-1)),
        bench.writer.submit(COUNTER, adding(7)),
        return_exceptions=True,
    )
    assert outcomes[0] == 5 and outcomes[2] == 12
    assert isinstance(outcomes[1], ValidationFailed)
    stored = await bench.stored()
    assert (stored.value, stored.version) == (12, 2)  # the two in one commit
    # an event for each change that committed: the refused change's copy was thrown away
    doc = await bench.repo.col.find_one({"_id": COUNTER})
    assert doc is not None and len(doc["outbox"]) == 2


async def test_a_batch_another_process_got_ahead_of_is_applied_again(bench: Bench) -> None:
    real_save, others = bench.repo.save, [2]

    async def contended(counter: Counter) -> None:
        if others[0] > 0:  # another process commits just before this one
            others[0] -= 1
            await bench.repo.col.update_one(
                {"_id": COUNTER}, {"$inc": {"version": 1, "value": 100}}
            )
        await real_save(counter)

    bench.repo.save = contended  # type: ignore[method-assign]
    writer = AggregateWriter(
        bench.repo, name=lambda i: f"counter {i}", backoff=Backoff(attempts=4, first_s=0.001)
    )
    assert await writer.submit(COUNTER, adding(1)) == 201  # on top of the others' two commits
    others[0] = 100
    with pytest.raises(Conflict) as refused:
        await writer.submit(COUNTER, adding(1))
    assert refused.value.headers["Retry-After"] == "1"
    assert "counter c-1 is being changed elsewhere" in refused.value.detail


async def test_exclusive_holds_the_line(bench: Bench) -> None:
    order: list[str] = []

    async def held() -> None:
        async with bench.writer.exclusive([COUNTER]):
            order.append("held")
            await asyncio.sleep(0.05)
            counter = await bench.repo.get(COUNTER)
            counter.increment(10)
            await bench.repo.save(counter)
            order.append("released")

    holder = asyncio.create_task(held())
    await asyncio.sleep(0.01)
    assert await bench.writer.submit(COUNTER, adding(1)) == 11  # after the holder's commit
    await holder
    assert order == ["held", "released"]
    assert (await bench.stored()).value == 11


async def test_views_asked_for_together_share_a_read_and_are_never_committed(bench: Bench) -> None:
    bench.counted.reads_taken()
    views = await asyncio.gather(*(bench.repo.view(COUNTER) for _ in range(20)))
    # the first starts a read, the others wait for the next one: two reads serve twenty
    assert bench.counted.reads_taken() == {"counters": 2}
    assert {id(v) for v in views} == {id(views[0]), id(views[-1])}
    shared = views[0]
    assert shared is not None and shared.value == 0
    shared.increment(1)
    with pytest.raises(RuntimeError, match="shared view"):
        await bench.repo.save(shared)
    # the writer's own read is a copy of its own, which it commits
    assert await bench.writer.submit(COUNTER, adding(2)) == 2
    after = await bench.repo.view(COUNTER)
    assert after is not None and after.value == 2  # a view read after a commit sees it


class KeptCounters(CounterRepository):
    views_kept = 8


async def test_a_view_of_an_unchanged_document_is_not_decoded_again(bench: Bench) -> None:
    repo = KeptCounters(bench.repo.db, OutboxWriter(service="t", topic="t", clock=SettableClock()))
    decoded: list[int] = []
    real_loaded = repo._loaded

    def counting(doc):  # type: ignore[no-untyped-def]
        decoded.append(doc["version"])
        return real_loaded(doc)

    repo._loaded = counting  # type: ignore[method-assign]
    first = await repo.view(COUNTER)
    again = await repo.view(COUNTER)  # read from the store again, but the same version
    assert first is again and decoded == [1]
    assert await AggregateWriter(repo, name=str).submit(COUNTER, adding(3)) == 3
    changed = await repo.view(COUNTER)
    assert changed is not first and changed is not None and changed.value == 3
    assert decoded == [1, 1, 2]  # the writer's own read, then the changed view
    assert first is not None and first.value == 0  # what an earlier reader holds is untouched


async def test_a_change_refused_on_a_stale_copy_is_judged_again_on_the_stored_one(
    bench: Bench,
) -> None:
    stale = await bench.repo.get(COUNTER)  # value 0, as this caller read it
    other = await bench.repo.get(COUNTER)
    other.increment(100)
    await bench.repo.save(other)  # committed elsewhere since (not through this writer)

    def needs_fifty(counter: Counter) -> Outcome:
        if counter.value < 50:
            raise ValidationFailed("needs at least 50")
        counter.increment(1)
        return counter.value, True

    # the batch starts from the caller's copy, where the change is refused; the refusal is
    # not kept: on the stored state the change is allowed
    assert await bench.writer.submit(COUNTER, needs_fifty, stale) == 101
    view = await bench.repo.view(COUNTER)
    assert view is not None
    assert await bench.writer.submit(COUNTER, adding(1), view) == 102  # a view never starts one
    assert view.value == 101  # and is left as it was read

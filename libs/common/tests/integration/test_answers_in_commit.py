"""A keyed request's answer kept in the commit of the one aggregate it changes
(`megp_common.web.answer_in_commit`, megp_common.answers), against the real store: a retry by the
same caller with the same key and payload replays the first answer and writes nothing; another
caller's same key runs its own request; another payload is a 422; a failure keeps nothing; a
crash after the commit is healed by the replay; concurrent retries, in one process or two, run
the change once; a request that changes nothing still keeps its answer; a document keeps its
latest answers only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import BaseModel

import megp_common.web as web
from megp_common.answers import ANSWERS, Answering, unpack_answers
from megp_common.clock import SettableClock
from megp_common.errors import ValidationFailed
from megp_common.ids import new_id
from megp_common.mongo import Document, OutboxWriter
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import StoreWrites, counting_client
from megp_common.testing.tally import Counter, CounterRepository
from megp_common.web import Once, answer_in_commit

pytestmark = pytest.mark.integration

COUNTER = "c-1"


class CounterPublic(BaseModel):
    id: str
    version: int
    value: int


def public(counter: Counter) -> CounterPublic:
    return CounterPublic(id=counter.id, version=counter.version, value=counter.value)


@dataclass
class Bench:
    repo: CounterRepository
    counted: StoreWrites
    runs: int = 0
    healed: list[int] = field(default_factory=list)

    async def stored(self) -> Document:
        doc = await self.repo.col.find_one({"_id": COUNTER})
        assert doc is not None
        return doc

    def cost(self) -> tuple[dict[str, int], dict[str, int]]:
        return self.counted.taken(), self.counted.reads_taken()


@pytest.fixture
async def bench(infra: Infra) -> AsyncIterator[Bench]:
    client, counted = counting_client(infra.mongo)
    db = client[f"answers_{new_id()[-12:]}"]
    repo = CounterRepository(db, OutboxWriter(service="t", topic="t", clock=SettableClock()))
    await repo.add(Counter(id=COUNTER))
    try:
        yield Bench(repo, counted)
    finally:
        await client.drop_database(db.name)
        await client.close()


async def add(
    bench: Bench,
    caller: str,
    key: str,
    amount: int,
    *,
    fail: Exception | None = None,
    after_commit: Exception | None = None,
    read: Callable[[], Awaitable[None]] | None = None,
) -> tuple[int, Any]:
    """A keyed request adding `amount` to the counter, its use case written as the wrapper
    asks: read, check, change, commit with the answer (`fail`: it fails before its commit;
    `after_commit`: what follows its commit fails; `read`: awaited after its read)."""

    async def operation(_: str, answer: Answering[Counter]) -> None:
        bench.runs += 1
        counter = await bench.repo.get(COUNTER)
        answer.check(counter)
        if read is not None:
            await read()
        if fail is not None:
            raise fail
        if amount:
            counter.increment(amount)
        await bench.repo.save(counter, answer)
        if after_commit is not None:
            raise after_commit

    async def heal(counter: Counter) -> None:
        bench.healed.append(counter.version)

    once = Once("tests.add", caller, key)
    return await answer_in_commit(once, {"amount": amount}, 201, public, operation, heal=heal)


async def test_a_retry_replays_the_first_answer_and_writes_nothing(bench: Bench) -> None:
    bench.cost()
    first = await add(bench, "ana", "k-1", 5)
    assert first == (201, {"id": COUNTER, "version": 2, "value": 5})
    # the change and its answer are one write, found by the read the operation makes
    assert bench.cost() == ({"counters": 1}, {"counters": 1})
    assert await add(bench, "ana", "k-1", 5) == first
    assert bench.cost() == ({}, {"counters": 1})
    doc = await bench.stored()
    assert (doc["version"], doc["value"]) == (2, 5)
    [kept] = unpack_answers(doc[ANSWERS])
    assert (kept.scope, kept.key, kept.status, kept.body) == ("tests.add:ana", "k-1", *first)
    assert bench.healed == [2]  # the replay redid what follows the commit


async def test_another_callers_same_key_never_gets_this_answer(bench: Bench) -> None:
    mine = await add(bench, "ana", "k-1", 5)
    theirs = await add(bench, "bea", "k-1", 5)
    assert theirs == (201, {"id": COUNTER, "version": 3, "value": 10})
    assert await add(bench, "ana", "k-1", 5) == mine
    assert await add(bench, "bea", "k-1", 5) == theirs
    assert (await bench.stored())["value"] == 10


async def test_the_same_key_with_another_payload_is_a_422(bench: Bench) -> None:
    await add(bench, "ana", "k-1", 5)
    with pytest.raises(ValidationFailed) as refused:
        await add(bench, "ana", "k-1", 6)
    assert refused.value.status == 422
    assert refused.value.extensions == {"idempotency_key": "k-1"}
    assert ((await bench.stored())["value"], bench.runs) == (5, 2)


async def test_a_failure_keeps_nothing_and_a_retry_runs_again(bench: Bench) -> None:
    with pytest.raises(RuntimeError):
        await add(bench, "ana", "k-1", 5, fail=RuntimeError("the store went away"))
    doc = await bench.stored()
    assert (doc["version"], doc.get(ANSWERS)) == (1, None)
    assert await add(bench, "ana", "k-1", 5) == (201, {"id": COUNTER, "version": 2, "value": 5})
    assert bench.runs == 2


async def test_a_crash_after_the_commit_is_healed_by_the_replay(bench: Bench) -> None:
    with pytest.raises(RuntimeError):
        await add(bench, "ana", "k-1", 5, after_commit=RuntimeError("crashed after the commit"))
    assert bench.healed == []
    # the answer landed with the change: the retry replays it and completes what followed
    assert await add(bench, "ana", "k-1", 5) == (201, {"id": COUNTER, "version": 2, "value": 5})
    assert (bench.runs, bench.healed) == (2, [2])
    assert (await bench.stored())["value"] == 5


async def test_a_retry_while_the_first_attempt_runs_waits_and_replays(bench: Bench) -> None:
    started, go_on = asyncio.Event(), asyncio.Event()

    async def paused() -> None:
        started.set()
        await go_on.wait()

    first = asyncio.create_task(add(bench, "ana", "k-1", 5, read=paused))
    await started.wait()
    retry = asyncio.create_task(add(bench, "ana", "k-1", 5))
    await asyncio.sleep(0.2)
    assert not retry.done()  # held by the key in flight
    go_on.set()
    assert await first == await retry == (201, {"id": COUNTER, "version": 2, "value": 5})
    assert (await bench.stored())["value"] == 5


async def test_two_processes_retrying_at_once_change_it_once(
    bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes share no in-process lock: both read the counter without the answer, one
    commits first, the other's commit loses its condition, runs again from a fresh read and
    finds the winner's answer there."""

    class NoLock:
        @asynccontextmanager
        async def hold(self, _: object) -> AsyncIterator[None]:
            yield

    monkeypatch.setattr(web, "IN_FLIGHT", NoLock())
    read_first, won = asyncio.Event(), asyncio.Event()

    async def behind() -> None:
        if not read_first.is_set():
            read_first.set()
            await won.wait()

    slow = asyncio.create_task(add(bench, "ana", "k-1", 5, read=behind))
    await read_first.wait()
    fast = await add(bench, "ana", "k-1", 5)
    won.set()
    assert await slow == fast == (201, {"id": COUNTER, "version": 2, "value": 5})
    assert bench.runs == 3  # the slow one ran again after its commit lost to the fast one's
    assert (await bench.stored())["value"] == 5


async def test_a_request_that_changes_nothing_keeps_its_answer_alone(bench: Bench) -> None:
    bench.cost()
    assert await add(bench, "ana", "k-0", 0) == (201, {"id": COUNTER, "version": 2, "value": 0})
    assert bench.cost() == ({"counters": 1}, {"counters": 1})
    await add(bench, "ana", "k-1", 5)
    assert await add(bench, "ana", "k-0", 0) == (201, {"id": COUNTER, "version": 2, "value": 0})
    doc = await bench.stored()
    assert (doc["version"], doc["value"]) == (3, 5)  # the replay changed nothing


async def test_a_document_keeps_its_latest_answers(bench: Bench) -> None:
    kept = bench.repo.answers_kept
    for n in range(kept + 2):
        await add(bench, "ana", f"k-{n}", 1)
    doc = await bench.stored()
    assert [a.key for a in unpack_answers(doc[ANSWERS])] == [f"k-{n}" for n in range(2, kept + 2)]
    # the latest replay; the oldest, dropped, runs again (behind a key, operations are
    # idempotent by themselves: trade's derive their ids from the key)
    assert (await add(bench, "ana", f"k-{kept + 1}", 1))[1]["value"] == kept + 2
    assert (await add(bench, "ana", "k-0", 1))[1]["value"] == kept + 3


async def test_callers_whose_subject_and_key_join_alike_keep_their_own_answers(
    bench: Bench,
) -> None:
    first = await add(bench, "a", "b:c", 5)
    second = await add(bench, "a:b", "c", 5)
    assert (first[1]["value"], second[1]["value"]) == (5, 10)
    assert await add(bench, "a", "b:c", 5) == first
    assert await add(bench, "a:b", "c", 5) == second
    assert bench.runs == 4 and (await bench.stored())["value"] == 10


async def test_an_answer_kept_under_the_earlier_scope_is_replayed(bench: Bench) -> None:
    """Before the caller was escaped into the scope, "x:y"'s answers were kept under
    "tests.add:x:y"; the retry of one after the change replays it."""
    counter = await bench.repo.get(COUNTER)
    counter.increment(5)
    earlier = Answering[Counter](
        "tests.add:x:y", "k-1", web.request_hash({"amount": 5}), 201, public
    )
    await bench.repo.save(counter, earlier)
    assert Once("tests.add", "x:y", "k-1").stored_scope == "tests.add:x%3Ay"
    assert await add(bench, "x:y", "k-1", 5) == (201, {"id": COUNTER, "version": 2, "value": 5})
    assert bench.runs == 1 and (await bench.stored())["value"] == 5

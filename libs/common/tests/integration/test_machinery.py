"""The shared machinery against the real broker and store, across processes."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from megp_common.mongo import OUTBOX_FLAG, OUTBOX_PENDING_VALUE, outbox_entries, outbox_entry
from megp_common.outbox import FAULT_ENV
from megp_common.testing.store_writes import counting_client
from megp_common.testing.tally import Counter, CounterRepository

pytestmark = pytest.mark.integration


async def commit_increments(
    scenario,
    counter_id: str,
    amounts: list[int],  # type: ignore[no-untyped-def]
    poison_at: int | None = None,
) -> None:
    counter = await scenario.counters.find(counter_id)
    if counter is None:
        counter = Counter(id=counter_id)
        counter.increment(amounts[0], poison=poison_at == 0)
        await scenario.counters.add(counter)
        amounts = amounts[1:]
        start = 1
    else:
        start = 0
    for i, amount in enumerate(amounts, start=start):
        counter.increment(amount, poison=poison_at == i)
        await scenario.counters.save(counter)


async def outbox_len(scenario, counter_id: str) -> int:  # type: ignore[no-untyped-def]
    doc = await scenario.db["counters"].find_one({"_id": counter_id})
    return len(doc.get("outbox", [])) if doc else -1


async def test_change_reaches_consumer_in_another_process_exactly_once(scenario) -> None:  # type: ignore[no-untyped-def]
    amounts = list(range(1, 41))
    await commit_increments(scenario, "c1", amounts[:20])
    await commit_increments(scenario, "c2", amounts[20:])
    scenario.spawn("consumer")
    scenario.spawn("relay")

    async def both_done() -> bool:
        return (await scenario.tally("c1"))[0] == 20 and (await scenario.tally("c2"))[0] == 20

    await scenario.wait_until(both_done, what="40 increments applied")
    await asyncio.sleep(2.0)  # anything extra would show up now
    assert await scenario.tally("c1") == (20, sum(amounts[:20]))
    assert await scenario.tally("c2") == (20, sum(amounts[20:]))
    assert await outbox_len(scenario, "c1") == 0
    published = await scenario.read_topic(scenario.topic, expect=40)
    assert len(published) == 40
    keys = {m.key for m in published}
    assert keys == {b"c1", b"c2"}


@pytest.mark.parametrize("batch", [False, True], ids=["one-by-one", "batch-handler"])
async def test_relay_killed_between_publish_and_clear_yields_a_duplicate_applied_once(
    scenario, batch
) -> None:  # type: ignore[no-untyped-def]
    await commit_increments(scenario, "k", [5] * 10)
    crashing = scenario.spawn("relay", **{FAULT_ENV: "1"})
    assert await asyncio.to_thread(crashing.wait, 60) == 17
    assert await outbox_len(scenario, "k") == 10, "the crash must leave the outbox in place"

    scenario.spawn("consumer", **({"TALLY_BATCH": "1"} if batch else {}))
    scenario.spawn("relay")

    async def outbox_cleared() -> bool:
        return await outbox_len(scenario, "k") == 0

    await scenario.wait_until(outbox_cleared, what="outbox cleared after restart")
    published = await scenario.read_topic(scenario.topic, expect=20)
    ids = [orjson.loads(m.value)["id"] for m in published]
    assert len(ids) == 20 and len(set(ids)) == 10, "every event was published twice"

    async def applied() -> bool:
        return (await scenario.tally("k"))[0] >= 10

    await scenario.wait_until(applied, what="tally applied")
    await asyncio.sleep(2.0)
    assert await scenario.tally("k") == (10, 50)


@pytest.mark.parametrize("batch", [False, True], ids=["one-by-one", "batch-handler"])
async def test_poison_message_is_dead_lettered_and_the_partition_keeps_flowing(
    scenario, batch
) -> None:  # type: ignore[no-untyped-def]
    # all on one key, so one partition: the poison sits between good events
    await commit_increments(scenario, "p", [1, 2, 3, 4, 5, 6, 7], poison_at=2)
    await asyncio.sleep(0.5)  # so the consumer finds them all in one poll: a batch with a poison
    scenario.spawn("consumer", **({"TALLY_BATCH": "1"} if batch else {}))
    scenario.spawn("relay")

    async def good_ones_applied() -> bool:
        return (await scenario.tally("p"))[0] == 6

    await scenario.wait_until(good_ones_applied, what="the six good events")
    assert await scenario.tally("p") == (6, 1 + 2 + 4 + 5 + 6 + 7)
    dead = await scenario.read_topic(scenario.dlq, expect=1)
    assert len(dead) == 1
    headers = dict(dead[0].headers)
    assert headers["x-error-type"] == b"ValueError"
    assert b"poison event" in headers["x-error-message"]
    assert headers["x-original-topic"] == scenario.topic.encode()
    assert int(headers["x-attempts"]) == 3
    assert orjson.loads(dead[0].value)["data"]["amount"] == 3


async def test_the_sweep_reads_flagged_documents_only_and_unflags_the_emptied(scenario) -> None:  # type: ignore[no-untyped-def]
    """A commit with events flags its document in the same write; the sweep publishes from
    flagged documents only, and drops the flag of one it finds empty."""
    await commit_increments(scenario, "f1", [1, 2, 3])
    quiet = Counter(id="f0")
    await scenario.counters.add(quiet)  # no events: not flagged
    col = scenario.db["counters"]
    flag = {d["_id"]: d.get(OUTBOX_FLAG) async for d in col.find({})}
    assert flag == {"f1": OUTBOX_PENDING_VALUE, "f0": None}

    # an entry written without the flag (as no commit does) is not the sweep's to find
    await col.update_one({"_id": "f0"}, {"$push": {"outbox": {"id": "stray"}}})
    relay = await scenario.start_relay_here()

    async def emptied_and_unflagged() -> bool:
        doc = await col.find_one({"_id": "f1"})
        return doc is not None and doc["outbox"] == [] and OUTBOX_FLAG not in doc

    await scenario.wait_until(emptied_and_unflagged, what="f1 published, cleared and unflagged")
    assert relay.published == 3
    assert len(await scenario.read_topic(scenario.topic, expect=3)) == 3
    stray = await col.find_one({"_id": "f0"})
    assert stray is not None and stray["outbox"] == [{"id": "stray"}]

    # the fast path: the clearing write that empties the outbox drops the flag too
    await commit_increments(scenario, "f1", [4])
    await scenario.wait_until(emptied_and_unflagged, what="f1's new event cleared and unflagged")
    assert relay.published == 4

    # a flagged document found empty (a process died between its two writes) is unflagged
    await col.insert_one({"_id": "f2", "value": 0, "outbox": [], OUTBOX_FLAG: OUTBOX_PENDING_VALUE})

    async def f2_unflagged() -> bool:
        doc = await col.find_one({"_id": "f2"})
        return doc is not None and OUTBOX_FLAG not in doc

    await scenario.wait_until(f2_unflagged, what="an empty flagged document unflagged by a sweep")


async def test_entries_stored_as_documents_by_older_commits_are_published_and_cleared(
    scenario,
) -> None:  # type: ignore[no-untyped-def]
    """A commit stores each outbox entry as one compressed value; a document whose outbox
    still holds entries an older commit wrote as nested documents, beside new ones, has both
    published in order and cleared (by the sweep, and by the fast path's clearing)."""
    await commit_increments(scenario, "o1", [1, 2, 3])
    col = scenario.db["counters"]
    raw = await col.find_one({"_id": "o1"})
    assert raw is not None and all(isinstance(e, bytes) for e in raw["outbox"])
    assert [orjson.loads(e["body"])["data"]["amount"] for e in outbox_entries(raw)] == [1, 2, 3]
    # the first two as an older commit stored them
    older = [outbox_entry(e) for e in raw["outbox"][:2]] + raw["outbox"][2:]
    await col.update_one({"_id": "o1"}, {"$set": {"outbox": older}})
    await scenario.start_relay_here()

    async def cleared() -> bool:
        doc = await col.find_one({"_id": "o1"})
        return doc is not None and doc["outbox"] == [] and OUTBOX_FLAG not in doc

    await scenario.wait_until(cleared, what="old and new entries published and cleared")
    # a commit while the older entries wait is published and cleared by the fast path too
    await col.update_one({"_id": "o1"}, {"$push": {"outbox": {"$each": older[:1]}}})
    await commit_increments(scenario, "o1", [4])
    await scenario.wait_until(cleared, what="the fast path's entry cleared beside an old one")
    got = await scenario.read_topic(scenario.topic, expect=5)
    amounts = [orjson.loads(m.value)["data"]["amount"] for m in got]
    assert amounts[:3] == [1, 2, 3] and sorted(amounts[3:]) == [1, 4]


async def test_a_bulk_add_commits_the_new_and_hands_back_those_stored_before(
    scenario, counted
) -> None:  # type: ignore[no-untyped-def]
    before = Counter(id="b0")
    before.increment(7)
    await scenario.counters.add(before)
    batch = []
    for n in range(5):
        c = Counter(id=f"b{n}")
        c.increment(n + 1)
        batch.append(c)
    repo, writes = counted
    taken = await repo.add_many(batch)
    assert [c.id for c in taken] == ["b0"]  # stored before: handed back, not committed
    assert taken[0].version == 0 and taken[0].pending_events()
    assert writes.taken() == {"counters": 1}  # one bulk write for all five
    for n, c in enumerate(batch[1:], start=1):
        assert c.version == 1 and not c.pending_events()
        stored = await scenario.counters.get(f"b{n}")
        assert stored.value == n + 1 and stored.version == 1
        assert await outbox_len(scenario, f"b{n}") == 1
    assert (await scenario.counters.get("b0")).value == 7  # kept what it had
    scenario.spawn("consumer")
    scenario.spawn("relay")

    async def applied() -> bool:
        counts = [(await scenario.tally(f"b{n}"))[0] for n in range(5)]
        return counts == [1] * 5

    await scenario.wait_until(applied, what="each counter's first event applied")
    await asyncio.sleep(1.0)  # anything extra would show up now
    assert [await scenario.tally(f"b{n}") for n in range(5)] == [(1, 7)] + [
        (1, n + 1) for n in range(1, 5)
    ]


@pytest.fixture
async def counted(scenario):  # type: ignore[no-untyped-def]
    """The scenario's counters through a client that counts the write commands it sends."""
    client, writes = counting_client(scenario.infra.mongo)
    try:
        yield CounterRepository(client[scenario.db_name], scenario.writer), writes
    finally:
        await client.close()


async def test_a_run_of_events_creating_records_inserts_them_in_one_bulk_write(counted) -> None:  # type: ignore[no-untyped-def]
    from megp_common.handling import apply_many_once

    repo, writes = counted

    def add(amount: int):  # type: ignore[no-untyped-def]
        return lambda c: c.increment(amount)

    run = [(f"r{n % 4}", f"event-{n}", add(n)) for n in range(8)]  # 4 new counters, 2 each
    assert await apply_many_once(repo, run, create=lambda i: Counter(id=i)) == 8
    assert writes.taken() == {"counters": 1}
    assert [(await repo.get(f"r{n}")).value for n in range(4)] == [4, 6, 8, 10]
    # the same run again (a redelivery): nothing applies, nothing is written
    assert await apply_many_once(repo, run, create=lambda i: Counter(id=i)) == 0
    assert writes.taken() == {}
    assert [(await repo.get(f"r{n}")).version for n in range(4)] == [1, 1, 1, 1]


async def test_a_bulk_save_commits_the_unchanged_and_hands_back_the_changed(
    scenario, counted
) -> None:  # type: ignore[no-untyped-def]
    for n in range(4):
        await scenario.counters.add(Counter(id=f"s{n}", value=n))
    read = [await scenario.counters.get(f"s{n}") for n in range(4)]
    moved = await scenario.counters.get("s2")  # someone else commits s2 meanwhile
    moved.value = 100
    await scenario.counters.save(moved)
    for c in read:
        c.value += 10  # a change that records no event
    repo, writes = counted
    stale = await repo.save_many(read)
    assert [c.id for c in stale] == ["s2"] and stale[0].version == 1
    assert writes.taken() == {"counters": 1}  # one bulk write of the four updates
    stored = [await scenario.counters.get(f"s{n}") for n in range(4)]
    assert [(c.value, c.version) for c in stored] == [(10, 2), (11, 2), (100, 2), (13, 2)]
    assert [c.version for c in read] == [2, 2, 1, 2]
    # a change with events is saved one by one (a bulk result cannot say whose update matched)
    fresh = await scenario.counters.get("s0")
    fresh.increment(1)
    assert await repo.save_many([fresh]) == [] and writes.taken() == {"counters": 1}
    assert await outbox_len(scenario, "s0") == 1

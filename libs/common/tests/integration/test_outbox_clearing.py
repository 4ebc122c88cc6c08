"""The relay clears a window of published outboxes with bulk writes, against the real store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from megp_common.bus import KafkaBus, ensure_topics
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import (
    DOCUMENT_LOCKS,
    OUTBOX_FLAG,
    OUTBOX_PENDING_VALUE,
    Document,
    OutboxWriter,
    namespace,
    outbox_entries,
)
from megp_common.outbox import CLEAR_BULK, DocKey, OutboxRelay
from megp_common.testing.infra import Infra
from megp_common.testing.tally import Counter, CounterRepository

pytestmark = pytest.mark.integration


class Updates(monitoring.CommandListener):
    """The update commands sent, and the statements each carried."""

    def __init__(self) -> None:
        self.statements: list[int] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "update":
            self.statements.append(len(event.command["updates"]))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def capturing_writer(topic: str) -> tuple[OutboxWriter, dict[DocKey, list[Document]]]:
    """An outbox writer whose commits hand their entries to the returned dict, by document,
    instead of to a relay (the tests hand them to the relay, or clear them, themselves)."""
    handed: dict[DocKey, list[Document]] = {}
    writer = OutboxWriter(service="clear-test", topic=topic, clock=SettableClock())
    writer.notify = lambda col, doc_id, entries, key=None: handed.setdefault(
        (col, doc_id), []
    ).extend(entries)
    return writer, handed


@pytest.fixture
async def store(infra: Infra) -> AsyncIterator[tuple[Any, Updates]]:
    updates = Updates()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        infra.mongo, tz_aware=True, event_listeners=[updates]
    )
    db = client[f"megp_test_clear_{new_id()[-10:]}"]
    yield db, updates
    await client.drop_database(db.name)
    await client.close()


async def test_a_window_is_cleared_in_one_bulk_write_and_later_entries_stay_flagged(
    infra: Infra, store: tuple[Any, Updates]
) -> None:
    db, updates = store
    writer, published = capturing_writer("test.clear")
    counters = CounterRepository(db, writer)
    kept = []
    for i in range(30):
        counter = Counter(id=f"c{i}")
        counter.increment(1)
        await counters.add(counter)
        counter.increment(2)
        await counters.save(counter)
        kept.append(counter)
    # c0 and c7 commit again after the relay published what it had: those entries are not
    # in this window and must stay, with the flag, for the next turn
    writer.notify = None
    for counter in (kept[0], kept[7]):
        counter.increment(9)
        await counters.save(counter)

    relay = OutboxRelay(db, KafkaBus(infra.kafka, service="clear-test"), ["counters"], service="t")
    updates.statements.clear()
    await relay._clear_all(published)

    # one bulk write empties the 28 whose outbox is what was published, a second pulls the
    # published entries out of the two that moved on
    assert updates.statements == [30, 30]
    docs = {d["_id"]: d async for d in db["counters"].find({})}
    for i in range(30):
        doc = docs[f"c{i}"]
        if i in (0, 7):
            assert len(doc["outbox"]) == 1 and '"amount":9' in outbox_entries(doc)[0]["body"]
            assert doc[OUTBOX_FLAG] == OUTBOX_PENDING_VALUE
        else:
            assert doc["outbox"] == [] and OUTBOX_FLAG not in doc, doc


async def test_a_large_window_goes_in_bulk_writes_of_bounded_size(
    infra: Infra, store: tuple[Any, Updates]
) -> None:
    db, updates = store
    writer, published = capturing_writer("test.clear")
    counters = CounterRepository(db, writer)
    n = CLEAR_BULK * 2 + 5
    for i in range(n):
        counter = Counter(id=f"k{i}")
        counter.increment(1)
        await counters.add(counter)

    relay = OutboxRelay(db, KafkaBus(infra.kafka, service="clear-test"), ["counters"], service="t")
    updates.statements.clear()
    await relay._clear_all(published)

    assert updates.statements == [CLEAR_BULK, CLEAR_BULK, 5]
    left = await db["counters"].count_documents({OUTBOX_FLAG: OUTBOX_PENDING_VALUE})
    assert left == 0
    assert await db["counters"].count_documents({"outbox": []}) == n


async def test_a_document_with_a_commit_under_way_is_cleared_on_its_own_after_it(
    infra: Infra, store: tuple[Any, Updates]
) -> None:
    """The bulk write takes the idle documents only: a commit holding one document's lock
    never waits behind the whole batch, and that document is cleared once it is done."""
    db, updates = store
    writer, published = capturing_writer("test.clear")
    counters = CounterRepository(db, writer)
    for i in range(5):
        counter = Counter(id=f"b{i}")
        counter.increment(1)
        await counters.add(counter)
    held, release = asyncio.Event(), asyncio.Event()

    async def a_commit_under_way() -> None:
        async with DOCUMENT_LOCKS.hold(namespace(db["counters"]), "b2"):
            held.set()
            await release.wait()

    committing = asyncio.create_task(a_commit_under_way())
    await held.wait()
    relay = OutboxRelay(db, KafkaBus(infra.kafka, service="clear-test"), ["counters"], service="t")
    updates.statements.clear()
    clearing = asyncio.create_task(relay._clear_all(published))
    await asyncio.sleep(0.5)

    async def outboxes() -> dict[str, int]:
        return {d["_id"]: len(d["outbox"]) async for d in db["counters"].find({})}

    assert updates.statements == [4]
    assert await outboxes() == {"b0": 0, "b1": 0, "b2": 1, "b3": 0, "b4": 0}
    assert not clearing.done()
    release.set()
    await committing
    await clearing
    assert updates.statements == [4, 1]
    assert await outboxes() == {f"b{i}": 0 for i in range(5)}
    assert await db["counters"].count_documents({OUTBOX_FLAG: OUTBOX_PENDING_VALUE}) == 0


class SweptWhileCommitting(KafkaBus):
    """The real bus; on its first send, the commits of the documents being swept hand their
    entries to the fast path, as a commit that ended just after the sweep's read would."""

    def __init__(self, bootstrap: str, hand_over: Any) -> None:
        super().__init__(bootstrap, service="clear-test")
        self.hand_over = hand_over
        self.sent: list[str] = []

    async def publish_many(self, records: Any) -> None:
        if self.hand_over is not None:
            hand_over, self.hand_over = self.hand_over, None
            hand_over()
        self.sent.extend(r.value.decode() for r in records)
        await super().publish_many(records)


async def test_an_entry_a_commit_hands_over_while_the_sweep_sends_it_is_sent_once(
    infra: Infra, store: tuple[Any, Updates]
) -> None:
    """The sweep reads the flagged outboxes, skipping what the fast path holds; a commit that
    ends after that read hands its entries to the fast path too. The sweep sends and clears
    them, and the fast path must not send them again (a duplicate on the bus, seen in CI as
    two copies of one event on the topic)."""
    db, _ = store
    topic = f"test.swept.{new_id()[-10:]}"
    await ensure_topics(infra.kafka, [topic], partitions=1)
    writer, handed = capturing_writer(topic)
    counters = CounterRepository(db, writer)
    for i in range(3):
        counter = Counter(id=f"s{i}")
        counter.increment(1)
        await counters.add(counter)

    relay: OutboxRelay | None = None

    def hand_over() -> None:
        assert relay is not None
        for (col, doc_id), entries in handed.items():
            relay.notify(col, doc_id, entries)

    bus = SweptWhileCommitting(infra.kafka, hand_over)
    relay = OutboxRelay(db, bus, ["counters"], service="t")
    await bus.start()
    try:
        assert await relay.sweep() == 3
        await relay._flush_fresh()
        await relay._clear_published()
    finally:
        await bus.stop()
    assert len(bus.sent) == 3 and len(set(bus.sent)) == 3  # each entry sent once
    assert await db["counters"].count_documents({OUTBOX_FLAG: OUTBOX_PENDING_VALUE}) == 0

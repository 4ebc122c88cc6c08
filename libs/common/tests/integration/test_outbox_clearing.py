"""The relay clears a window of published outboxes with bulk writes, against the real store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from megp_common.bus import KafkaBus
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import OUTBOX_FLAG, OUTBOX_PENDING_VALUE, Document, OutboxWriter
from megp_common.outbox import CLEAR_BULK, OutboxRelay
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
    published: dict[tuple[str, str], list[Document]] = {}
    writer = OutboxWriter(service="clear-test", topic="test.clear", clock=SettableClock())
    writer.notify = lambda col, doc_id, entries: published.setdefault((col, doc_id), []).extend(
        entries
    )
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
            assert len(doc["outbox"]) == 1 and '"amount":9' in doc["outbox"][0]["body"]
            assert doc[OUTBOX_FLAG] == OUTBOX_PENDING_VALUE
        else:
            assert doc["outbox"] == [] and OUTBOX_FLAG not in doc, doc


async def test_a_large_window_goes_in_bulk_writes_of_bounded_size(
    infra: Infra, store: tuple[Any, Updates]
) -> None:
    db, updates = store
    published: dict[tuple[str, str], list[Document]] = {}
    writer = OutboxWriter(service="clear-test", topic="test.clear", clock=SettableClock())
    writer.notify = lambda col, doc_id, entries: published.setdefault((col, doc_id), []).extend(
        entries
    )
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

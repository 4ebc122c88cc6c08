"""A consumer's batch writes the aggregates it committed last without reading them again, and a
copy gone stale is caught by the conditional update, against the real store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from megp_common.clock import SettableClock
from megp_common.handling import Recent, apply_many_once
from megp_common.ids import new_id
from megp_common.mongo import ConcurrencyConflict, Document, OutboxWriter
from megp_common.testing.infra import Infra
from megp_common.testing.tally import Tally, TallyRepository

pytestmark = pytest.mark.integration


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in ("find", "update", "insert"):
            self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def tallies(infra: Infra) -> AsyncIterator[tuple[TallyRepository, Commands]]:
    commands = Commands()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        infra.mongo, tz_aware=True, event_listeners=[commands]
    )
    db = client[f"megp_test_recent_{new_id()[-10:]}"]
    writer = OutboxWriter(service="recent-test", topic="test.recent", clock=SettableClock())
    yield TallyRepository(db, writer), commands
    await client.drop_database(db.name)
    await client.close()


def add(amount: int) -> Callable[[Tally], None]:
    def change(t: Tally) -> None:
        t.total += amount
        t.count += 1

    return change


def batch(tally: str, *events: tuple[str, int]) -> list[tuple[str, str, Any]]:
    return [(tally, event_id, add(amount)) for event_id, amount in events]


async def test_the_next_batch_writes_without_reading_and_duplicates_stay_dropped(
    tallies: tuple[TallyRepository, Commands],
) -> None:
    repo, commands = tallies
    recent: Recent[Tally] = Recent()
    new = {"create": lambda tid: Tally(id=tid)}
    assert await apply_many_once(repo, batch("t1", ("e1", 1), ("e2", 2)), **new, recent=recent) == 2
    assert commands.names == ["find", "insert"]
    commands.names.clear()
    # e2 again (a redelivery) with a new one: one write, no read, e2 not applied twice
    assert await apply_many_once(repo, batch("t1", ("e2", 2), ("e3", 3)), **new, recent=recent) == 1
    assert commands.names == ["update"]
    stored = await repo.get("t1")
    assert (stored.count, stored.total, stored.version) == (3, 6, 2)


async def test_a_stale_copy_fails_its_write_and_the_retry_reads_the_store(
    tallies: tuple[TallyRepository, Commands],
) -> None:
    repo, commands = tallies
    recent: Recent[Tally] = Recent()
    new = {"create": lambda tid: Tally(id=tid)}
    await apply_many_once(repo, batch("t2", ("e1", 1)), **new, recent=recent)
    # another process applies e2 meanwhile (its partition moved there and back)
    await apply_many_once(repo, batch("t2", ("e2", 2)), **new)
    with pytest.raises(ConcurrencyConflict):
        await apply_many_once(repo, batch("t2", ("e2", 2), ("e3", 3)), **new, recent=recent)
    assert len(recent) == 0  # the stale copy is gone
    commands.names.clear()
    assert await apply_many_once(repo, batch("t2", ("e2", 2), ("e3", 3)), **new, recent=recent) == 1
    assert commands.names == ["find", "update"]
    stored = await repo.get("t2")
    assert (stored.count, stored.total) == (3, 6)


async def test_a_failing_change_leaves_no_half_changed_copy(
    tallies: tuple[TallyRepository, Commands],
) -> None:
    repo, _ = tallies
    recent: Recent[Tally] = Recent()
    new = {"create": lambda tid: Tally(id=tid)}
    await apply_many_once(repo, batch("t3", ("e1", 1)), **new, recent=recent)

    def poison(t: Tally) -> None:
        raise ValueError("never applies")

    with pytest.raises(ValueError):
        await apply_many_once(
            repo, [*batch("t3", ("e2", 2)), ("t3", "e3", poison)], **new, recent=recent
        )
    assert len(recent) == 0
    await apply_many_once(repo, batch("t3", ("e2", 2)), **new, recent=recent)
    stored = await repo.get("t3")
    assert (stored.count, stored.total) == (2, 3)


def test_it_keeps_the_most_recently_committed_only() -> None:
    recent: Recent[Tally] = Recent(size=2)
    for i in range(3):
        recent.keep(Tally(id=f"t{i}"))
    assert len(recent) == 2
    assert recent.take("t0") is None
    assert recent.take("t2") is not None and recent.take("t2") is None

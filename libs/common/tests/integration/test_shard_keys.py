"""Shard keys (AggregateRepository.shard_key) against the real store: a commit's filter names
the key as stored (not as the commit changes it), an aggregate created without its state yet
is committed and later given one, a load names what the repository's memory or its hint knows,
and a wrong hint still finds the aggregate (by `_id`, counted as a miss)."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from megp_common.aggregate import Aggregate
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.metrics import STORE_SHARD_FILTERS, STORE_SHARD_HINT_MISSES
from megp_common.mongo import (
    SHARD_KEYS,
    AggregateRepository,
    ConcurrencyConflict,
    OutboxWriter,
    Shard,
    carries_key,
    make_client,
)
from megp_common.testing.infra import Infra

COLLECTION = "sharded_things"


class Thing(Aggregate):
    group_id: str
    state: str | None = None
    count: int = 0


class ThingRepository(AggregateRepository[Thing]):
    collection = COLLECTION
    model = Thing
    shard_key = ("state", "group_id")


class Filters(monitoring.CommandListener):
    """Every find and update sent to COLLECTION, with its filter."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        cmd = event.command
        if event.command_name == "find" and cmd.get("find") == COLLECTION:
            self.seen.append(("find", dict(cmd.get("filter") or {})))
        if event.command_name == "update" and cmd.get("update") == COLLECTION:
            self.seen.extend(("update", dict(u["q"])) for u in cmd["updates"])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def take(self) -> list[tuple[str, dict[str, Any]]]:
        out, self.seen = self.seen, []
        return out


def _writer() -> OutboxWriter:
    return OutboxWriter(service="t", topic="t", clock=SettableClock())


async def test_commits_name_the_stored_key_and_loads_the_known_one(infra: Infra) -> None:
    filters = Filters()
    watched: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        infra.mongo, event_listeners=[filters], tz_aware=True, uuidRepresentation="standard"
    )
    name = f"shard_{new_id()[-12:]}"
    try:
        repo = ThingRepository(watched[name], _writer())
        assert SHARD_KEYS[f"{name}.{COLLECTION}"] == ("state", "group_id")

        # created before its state is known: stored with a null state
        await repo.add(Thing(id="t1", group_id="g1"))
        filters.take()
        first = await repo.get("t1")  # the repository remembers the key it wrote
        assert filters.take() == [("find", {"_id": "t1", "state": None, "group_id": "g1"})]
        # what it stored wins over a hint (an event naming the state it will have): no miss
        misses = STORE_SHARD_HINT_MISSES.labels(name, COLLECTION)
        before = misses._value.get()
        await repo.get("t1", Shard("09", "g1"))
        assert filters.take() == [("find", {"_id": "t1", "state": None, "group_id": "g1"})]
        assert misses._value.get() == before

        first.state, first.count = "09", 1  # the commit gives it its state
        await repo.save(first)
        assert filters.take() == [
            ("update", {"_id": "t1", "version": 1, "state": None, "group_id": "g1"})
        ]
        first.count = 2  # the next commit names the key as it is now stored
        await repo.save(first)
        assert filters.take() == [
            ("update", {"_id": "t1", "version": 2, "state": "09", "group_id": "g1"})
        ]

        # another process: no memory; the event's hint names the key
        other = ThingRepository(watched[name], _writer())
        loaded = await other.get("t1", Shard("09", "g1"))
        assert loaded.count == 2
        assert filters.take() == [("find", {"_id": "t1", "state": "09", "group_id": "g1"})]

        # a wrong hint: nothing under that key, then found by _id alone (a miss, counted)
        third = ThingRepository(watched[name], _writer())
        before = misses._value.get()
        found = await third.get("t1", Shard("15", "g1"))
        assert found.count == 2 and misses._value.get() == before + 1
        assert filters.take() == [
            ("find", {"_id": "t1", "state": "15", "group_id": "g1"}),
            ("find", {"_id": "t1"}),
        ]
        found.count = 3  # its commit names the key it was read with, not the hint's
        await third.save(found)
        assert filters.take() == [
            ("update", {"_id": "t1", "version": 3, "state": "09", "group_id": "g1"})
        ]

        # a copy read before another changed the key (and the version) is refused
        stale = await other.get("t1", Shard("09", "g1"))
        fresh = await repo.get("t1")
        fresh.state = "15"
        await repo.save(fresh)
        stale.count = 99
        with pytest.raises(ConcurrencyConflict):
            await other.save(stale)
        assert (await other.get("t1")).state == "15"
    finally:
        await watched.drop_database(name)
        await watched.close()


async def test_the_store_listener_counts_keyed_and_unkeyed_filters(infra: Infra) -> None:
    client = make_client(infra.mongo)  # its ShardFilterCounter feeds /metrics
    name = f"shard_{new_id()[-12:]}"
    try:
        repo = ThingRepository(client[name], _writer())
        await repo.add(Thing(id="t1", group_id="g1", state="09"))
        keyed = STORE_SHARD_FILTERS.labels(
            name, COLLECTION, "update", "yes", "_id,group_id,state,version"
        )
        unkeyed = STORE_SHARD_FILTERS.labels(name, COLLECTION, "find", "no", "count")
        thing = await repo.get("t1")
        thing.count = 1
        await repo.save(thing)
        await repo.find_many({"count": 1})
        assert keyed._value.get() == 1
        assert unkeyed._value.get() == 1
    finally:
        await client.drop_database(name)
        await client.close()


def test_carries_key_wants_every_field_by_equality() -> None:
    key = ("state", "group_id")
    assert carries_key(key, {"_id": "a", "state": None, "group_id": "g"})
    assert not carries_key(key, {"_id": "a", "group_id": "g"})
    assert not carries_key(key, {"state": {"$in": ["09", "15"]}, "group_id": "g"})
    assert carries_key(key, {"state": {"code": "09"}, "group_id": "g"})  # a value, not operators

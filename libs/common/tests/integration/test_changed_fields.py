"""A commit sends what changed (AggregateRepository.save), against the real store: only the
top-level fields whose value changed since the copy was read or committed are `$set`, a list that
only grew gets its new items `$push`ed, a field the state no longer has is `$unset`; the commit is
still conditional on the version read, and what is stored round-trips whole."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from megp_common.aggregate import Aggregate
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import (
    OUTBOX_FLAG,
    PACKED,
    AggregateRepository,
    ConcurrencyConflict,
    Document,
    OutboxWriter,
    make_client,
)
from megp_common.testing.infra import Infra
from megp_common.testing.tally import Counter, CounterRepository


class Sheetish(Aggregate):
    state: str
    group_id: str
    title: str = ""
    note: str | None = None
    totals: dict[str, int] = {}
    seen: list[str] = []
    members: dict[str, dict[str, Any]] = {}
    waiting: list[dict[str, Any]] = []
    hidden: str | None = None


class SheetishRepository(AggregateRepository[Sheetish]):
    collection = "sheetish"
    model = Sheetish
    packed = frozenset({"members"})
    packed_items = frozenset({"waiting"})
    shard_key = ("state", "group_id")

    def _state(self, aggregate: Sheetish) -> Document:
        doc = super()._state(aggregate)
        if doc.get("hidden") is None:  # a state that leaves a field out when it has none
            doc.pop("hidden", None)
        return doc


class Updates(monitoring.CommandListener):
    """The update statements sent to one collection, as sent."""

    def __init__(self, collection: str) -> None:
        self.collection = collection
        self.sent: list[Document] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "update" and event.command.get("update") == self.collection:
            self.sent += [dict(u) for u in event.command["updates"]]

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def taken(self) -> list[Document]:
        out, self.sent = self.sent, []
        return out


@pytest.fixture
async def store(infra: Infra) -> AsyncIterator[tuple[AsyncMongoClient[Document], Updates]]:
    updates = Updates("sheetish")
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        infra.mongo, tz_aware=True, uuidRepresentation="standard", event_listeners=[updates]
    )
    yield client, updates
    await client.close()


def _repo(db: Any) -> SheetishRepository:
    return SheetishRepository(db, OutboxWriter(service="t", topic="t", clock=SettableClock()))


async def test_a_commit_sets_only_what_changed_and_pushes_what_a_list_gained(
    store: tuple[AsyncMongoClient[Document], Updates],
) -> None:
    client, updates = store
    db = client[f"changed_{new_id()[-12:]}"]
    try:
        repo = _repo(db)
        first = Sheetish(
            id="s1",
            state="OAX",
            group_id="g1",
            title="first",
            note="a note",
            totals={"a": 1, "b": 2},
            seen=["x", "y"],
            members={f"p{i}": {"cents": i} for i in range(50)},
            waiting=[{"id": "w0"}],
        )
        await repo.add(first)

        # read, change one plain field and grow a list: the update names just those
        copy = await repo.get("s1")
        copy.title = "second"
        copy.seen.append("z")
        updates.taken()
        await repo.save(copy)
        [sent] = updates.taken()
        assert sent["q"] == {"_id": "s1", "version": 1, "state": "OAX", "group_id": "g1"}
        assert sent["u"]["$set"] == {"title": "second", "version": 2}
        assert sent["u"]["$push"] == {"seen": {"$each": ["z"]}}
        assert "$unset" not in sent["u"]

        # the same copy committed again compares with what it committed, not with its read
        copy.title = "first"  # back to the value it was read with: still sent
        copy.totals["b"] = 3
        copy.waiting.append({"id": "w1"})
        copy.members["p1"]["cents"] = 100
        await repo.save(copy)
        [sent] = updates.taken()
        assert set(sent["u"]["$set"]) == {"title", "totals", PACKED, "version"}
        assert sent["u"]["$set"]["totals"] == {"a": 1, "b": 3}
        assert list(sent["u"]["$push"]) == ["waiting"]
        assert len(sent["u"]["$push"]["waiting"]["$each"]) == 1

        # a field set to None is set to None; a list that shrank is set whole; a field the
        # state leaves out is unset
        copy.note = None
        copy.seen = ["y", "z"]
        copy.hidden = "there"
        await repo.save(copy)
        [sent] = updates.taken()
        assert sent["u"]["$set"] == {"note": None, "seen": ["y", "z"], "hidden": "there"} | {
            "version": 4
        }
        copy.hidden = None
        await repo.save(copy)
        [sent] = updates.taken()
        assert sent["u"]["$unset"] == {"hidden": ""}
        assert sent["u"]["$set"] == {"version": 5}

        # what is stored is the whole state, read back as committed
        again = await repo.get("s1")
        assert again.model_dump() == copy.model_dump()
        raw = await db["sheetish"].find_one({"_id": "s1"})
        assert raw is not None and "hidden" not in raw and raw["note"] is None
        # nothing changed: only the version moves
        await repo.save(again)
        [sent] = updates.taken()
        assert sent["u"] == {"$set": {"version": 6}}
    finally:
        await client.drop_database(db.name)


async def test_a_changed_fields_commit_is_still_refused_after_a_concurrent_one(
    store: tuple[AsyncMongoClient[Document], Updates],
) -> None:
    client, updates = store
    db = client[f"changed_{new_id()[-12:]}"]
    try:
        repo = _repo(db)
        await repo.add(Sheetish(id="s2", state="OAX", group_id="g2", title="t", seen=["a"]))
        mine, theirs = await repo.get("s2"), await repo.get("s2")
        theirs.note = "theirs"
        await repo.save(theirs)
        mine.title = "mine"  # a field the other commit did not touch: still refused
        with pytest.raises(ConcurrencyConflict):
            await repo.save(mine)
        stored = await repo.get("s2")
        assert (stored.title, stored.note, stored.version) == ("t", "theirs", 2)

        # a copy read afresh commits, and the stored shard key is still in its filter
        fresh = await repo.get("s2")
        fresh.title = "mine"
        updates.taken()
        await repo.save(fresh)
        [sent] = updates.taken()
        assert sent["q"] == {"_id": "s2", "version": 2, "state": "OAX", "group_id": "g2"}
        # a commit that changes the shard key names the stored one and sets the new one
        fresh.state = "CHS"
        await repo.save(fresh)
        [sent] = updates.taken()
        assert sent["q"]["state"] == "OAX" and sent["u"]["$set"]["state"] == "CHS"
        fresh.title = "after the move"
        await repo.save(fresh)
        [sent] = updates.taken()
        assert sent["q"]["state"] == "CHS"
        assert (await repo.get("s2")).model_dump() == fresh.model_dump()
    finally:
        await client.drop_database(db.name)


async def test_a_list_shortened_by_another_writer_keeps_its_shortening(
    store: tuple[AsyncMongoClient[Document], Updates],
) -> None:
    """A copier `$pullAll`s what it moved from a packed list without a new version; a commit
    from a copy read before that pushes only its new items, so the moved ones stay gone."""
    client, _ = store
    db = client[f"changed_{new_id()[-12:]}"]
    try:
        repo = _repo(db)
        await repo.add(Sheetish(id="s3", state="OAX", group_id="g3", waiting=[{"id": "w0"}]))
        copy = await repo.get("s3")
        raw = await db["sheetish"].find_one({"_id": "s3"})
        assert raw is not None
        await db["sheetish"].update_one({"_id": "s3"}, {"$pullAll": {"waiting": raw["waiting"]}})
        copy.waiting.append({"id": "w1"})
        await repo.save(copy)
        assert [w["id"] for w in (await repo.get("s3")).waiting] == ["w1"]
    finally:
        await client.drop_database(db.name)


async def test_events_and_the_outbox_flag_travel_with_a_changed_fields_commit(
    infra: Infra,
) -> None:
    client = make_client(infra.mongo)
    db = client[f"changed_{new_id()[-12:]}"]
    try:
        repo = CounterRepository(db, OutboxWriter(service="t", topic="t", clock=SettableClock()))
        counter = Counter(id="c1")
        counter.increment(2)
        await repo.add(counter)
        loaded = await repo.get("c1")
        loaded.increment(3)
        await repo.save(loaded)
        raw = await db["counters"].find_one({"_id": "c1"})
        assert raw is not None
        assert raw["value"] == 5 and raw["version"] == 2 and raw[OUTBOX_FLAG] == "pending"
        assert len(raw["outbox"]) == 2
    finally:
        await client.drop_database(db.name)
        await client.close()

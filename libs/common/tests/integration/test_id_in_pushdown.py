"""A batch of documents read by their ids, against the real store: `{_id: {$in: [...]}}` answers
exactly the documents asked for (missing ids, other filter fields and batches beyond what the
store pushes down included), the FerretDB that deploy/local/store.sh builds looks them up through
the `_id` index (its `explain`; before ferretdb-id-in-pushdown.patch it decoded the whole
collection), and `AggregateRepository.find_by_ids` loads a batch in one query per state, reading
again by `_id` what a wrong shard hint missed."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient, monitoring

from megp_common.aggregate import Aggregate
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import AggregateRepository, OutboxWriter, Shard, make_client
from megp_common.testing.infra import Infra


async def test_an_id_in_query_answers_the_ids_asked_and_uses_the_index(infra: Infra) -> None:
    client = make_client(infra.mongo)
    db = client[f"idin_{new_id()[-12:]}"]
    try:
        col = db["docs"]
        await col.insert_many(
            [{"_id": f"d{n:04d}", "n": n, "even": n % 2 == 0} for n in range(1500)]
        )
        cases = [
            ({"_id": {"$in": ["d0003", "d0007", "nope"]}}, ["d0003", "d0007"]),
            ({"_id": {"$in": ["d0003", "d0004"]}, "even": True}, ["d0004"]),
            ({"_id": {"$in": []}}, []),
            (
                {"_id": {"$in": [f"d{n:04d}" for n in range(1200)]}},
                [f"d{n:04d}" for n in range(1200)],
            ),
        ]
        for query, expected in cases:
            found = sorted([d["_id"] async for d in col.find(query)])
            assert found == expected, query
        info = await db.command("buildInfo")
        if "ferretdbVersion" in info:
            asked = {"_id": {"$in": ["d0003", "d0007", "nope"]}}
            plan = await db.command("explain", {"find": "docs", "filter": asked})
            assert plan["filterPushdown"] is True, plan
            assert any("USING INDEX" in step for step in plan["queryPlanner"]["Plan"]), plan
            beyond = {"_id": {"$in": [f"d{n:04d}" for n in range(1200)]}}  # > 1,000: decoded
            plan = await db.command("explain", {"find": "docs", "filter": beyond})
            assert plan["filterPushdown"] is False, plan
    finally:
        await client.drop_database(db.name)
        await client.close()


class Tally(Aggregate):
    state: str
    count: int = 0


class Tallies(AggregateRepository[Tally]):
    collection = "tallies"
    model = Tally
    shard_key = ("state", "_id")


class Finds(monitoring.CommandListener):
    """The filters of the finds sent to `tallies`."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find" and event.command.get("find") == "tallies":
            self.seen.append(dict(event.command.get("filter") or {}))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_find_by_ids_loads_a_batch_in_one_query_per_state(infra: Infra) -> None:
    finds = Finds()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        infra.mongo, event_listeners=[finds], tz_aware=True, uuidRepresentation="standard"
    )
    db = client[f"idin_{new_id()[-12:]}"]
    outbox = OutboxWriter(service="t", topic="t", clock=SettableClock())
    try:
        repo = Tallies(db, outbox)
        for n in range(12):
            await repo.add(Tally(id=f"t{n}", state="09" if n < 8 else "14", count=n))
        fresh = Tallies(db, outbox)  # knows no keys: what a process just started reads
        finds.seen.clear()
        found = await fresh.find_by_ids([f"t{n}" for n in range(14)])
        assert sorted(found) == sorted(f"t{n}" for n in range(12))
        assert found["t5"].count == 5 and found["t10"].state == "14"
        assert finds.seen == [{"_id": {"$in": [f"t{n}" for n in range(14)]}}]

        # hints by state: one query per state; the wrong hint of t2 is read again by `_id`
        hints = {f"t{n}": Shard("09" if n < 8 else "14") for n in range(12)} | {"t2": Shard("14")}
        finds.seen.clear()
        found = await Tallies(db, outbox).find_by_ids([f"t{n}" for n in range(12)], hints)
        assert sorted(found) == sorted(f"t{n}" for n in range(12))
        assert found["t2"].state == "09"
        nines = [f"t{n}" for n in range(8) if n != 2]
        assert finds.seen == [
            {"_id": {"$in": nines}, "state": "09"},
            {"_id": {"$in": ["t2", "t8", "t9", "t10", "t11"]}, "state": "14"},
            {"_id": {"$in": ["t2"]}},
        ]
    finally:
        await client.drop_database(db.name)
        await client.close()

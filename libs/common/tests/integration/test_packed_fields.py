"""Packed fields (AggregateRepository.packed / packed_items) against the real store: an aggregate
comes back exactly as it was committed, the store holds one compressed value instead of the
nested fields, the plain fields stay queryable, and a packed list item can be pulled by value."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from megp_common.aggregate import Aggregate
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import PACKED, AggregateRepository, OutboxWriter, make_client, unpacked
from megp_common.testing.infra import Infra


class Ledgerish(Aggregate):
    state: str
    members: dict[str, dict[str, Any]] = {}
    seen: list[str] = []
    waiting: list[dict[str, Any]] = []
    stamped: datetime | None = None


class LedgerishRepository(AggregateRepository[Ledgerish]):
    collection = "ledgerish"
    model = Ledgerish
    packed = frozenset({"members", "seen", "applied", "stamped"})
    packed_items = frozenset({"waiting"})


async def test_packed_fields_round_trip_stay_out_of_queries_and_items_pull_by_value(
    infra: Infra,
) -> None:
    client = make_client(infra.mongo)
    db = client[f"packed_{new_id()[-12:]}"]
    try:
        repo = LedgerishRepository(db, OutboxWriter(service="t", topic="t", clock=SettableClock()))
        when = datetime(2041, 3, 4, 5, 6, 7, tzinfo=UTC)
        first = Ledgerish(
            id="a",
            state="OAX",
            members={f"p{i}": {"active": i % 3 != 0, "cents": i * 101} for i in range(200)},
            seen=[f"r{i}" for i in range(500)],
            waiting=[{"id": f"e{i}", "cents": i, "on": "2041-03-04"} for i in range(3)],
            stamped=when,
        )
        first.mark_applied("ev-1")
        await repo.add(first)
        await repo.add(Ledgerish(id="b", state="CHS"))

        loaded = await repo.get("a")
        assert loaded.model_dump(exclude={"version"}) == first.model_dump(exclude={"version"})
        assert loaded.stamped == when and loaded.has_applied("ev-1")

        raw = await db["ledgerish"].find_one({"_id": "a"})
        assert raw is not None
        assert "members" not in raw and "seen" not in raw and isinstance(raw[PACKED], bytes)
        assert len(raw[PACKED]) < 4000  # 200 members and 500 ids, compressed
        assert all(isinstance(item, bytes) for item in raw["waiting"])
        assert unpacked(raw, db["ledgerish"].codec_options, ["waiting"])["waiting"] == [
            {"id": f"e{i}", "cents": i, "on": "2041-03-04"} for i in range(3)
        ]

        # a change round-trips too, and the plain field is still what a query sees
        loaded.members["p1"]["active"] = False
        loaded.seen.append("r-new")
        await repo.save(loaded)
        again = await repo.get("a")
        assert again.members["p1"]["active"] is False and again.seen[-1] == "r-new"
        assert [a.id for a in await repo.find_many({"state": "OAX"}, scalar_eq=True)] == ["a"]

        # a copier takes the first item away by the very bytes it read
        await db["ledgerish"].update_one(
            {"_id": "a"}, {"$pullAll": {"waiting": raw["waiting"][:1]}}
        )
        assert [w["id"] for w in (await repo.get("a")).waiting] == ["e1", "e2"]
    finally:
        await client.drop_database(db.name)
        await client.close()

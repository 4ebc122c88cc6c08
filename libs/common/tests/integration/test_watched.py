"""`Watched` against the real store: it answers from what this process committed, and a rescan
brings in what another process committed, without losing a commit made during the rescan."""

from __future__ import annotations

from typing import Any

from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter, make_client
from megp_common.testing.infra import Infra
from megp_common.testing.tally import Counter, CounterRepository
from megp_common.watched import Watched


def _repo(db: Any) -> CounterRepository:
    outbox = OutboxWriter(service="watch-test", topic="watch.events", clock=SettableClock())
    return CounterRepository(db, outbox)


def _even(c: Counter) -> str | None:
    return f"{c.value:04d}" if c.value % 2 == 0 else None


async def test_the_index_follows_commits_and_rescans_for_other_processes(infra: Infra) -> None:
    client = make_client(infra.mongo)
    db = client[f"watch_{new_id()[-12:]}"]
    try:
        here, elsewhere = _repo(db), _repo(db)
        watch = Watched(here, query={"value": {"$in": [0, 2, 4, 6, 8]}}, value=_even, rescan_s=3600)
        a, b = Counter(id="a"), Counter(id="b")
        a.increment(2)
        b.increment(1)
        await here.add(a)
        await here.add(b)
        assert await watch.all() == {"a": "0002"}  # first use: read from the store

        c = Counter(id="c")
        c.increment(4)
        await elsewhere.add(c)  # another process: not seen until a rescan
        a.increment(2)
        await here.save(a)
        b.increment(1)
        await here.save(b)
        assert await watch.all() == {"a": "0004", "b": "0002"}
        assert await watch.up_to("0003") == ["b"]
        a.increment(1)
        await here.save(a)  # odd: leaves the index
        assert await watch.equal_to("0005") == []

        watch.invalidate()
        assert await watch.all() == {"b": "0002", "c": "0004"}
        c.increment(1)
        await elsewhere.save(c)  # odd now, but this process's index still says "0004"
        assert await watch.up_to("0004") == ["b", "c"]
        assert [x.id for x in await watch.fetch_up_to("0004")] == ["b"]  # checked on the read
        assert [x.value for x in await watch.fetch_equal_to("0002")] == [2]
    finally:
        await client.drop_database(db.name)
        await client.close()

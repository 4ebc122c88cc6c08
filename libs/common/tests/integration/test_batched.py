"""`megp_common.handling.batched` against the real store, write commands counted: a run of events
for two aggregates is one write each, entered under the service's own serialization with the
run's ids; an event that plans nothing is skipped; what follows a write (`then`) runs once per
event that took effect and never for a redelivered one; a domain refusal is a PermanentError.
A `Family`'s run mixes types, each with its own create, refusals and `after`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from megp_common.clock import SettableClock
from megp_common.consumer import PermanentError
from megp_common.events import EventEnvelope, EventPayload, event_type, make_event
from megp_common.handling import Family, Planned, batched
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import counting_client
from megp_common.testing.tally import Tally, TallyIncremented, TallyRepository

AT = datetime(2027, 1, 1, tzinfo=UTC)


class Refused(Exception):
    detail = "a negative amount is refused"


def _event(counter: str, amount: int) -> tuple[EventEnvelope, Any]:
    payload = TallyIncremented(counter_id=counter, amount=amount)
    return make_event(payload, source="/test", key=counter, time=AT), payload


async def test_a_run_is_one_write_per_aggregate_and_its_followers_run_once(infra: Infra) -> None:
    client, writes = counting_client(infra.mongo)
    db = client[f"batched_{new_id()[-12:]}"]
    clock = SettableClock()
    tallies = TallyRepository(db, OutboxWriter(service="t", topic="t.events", clock=clock))
    held: list[list[str]] = []
    written: list[list[str]] = []
    followed: list[str] = []

    @asynccontextmanager
    async def hold(ids: list[str]) -> AsyncIterator[None]:
        held.append(ids)
        yield

    def plan(env: EventEnvelope, e: TallyIncremented) -> Planned[Tally] | None:
        if e.amount == 0:
            return None  # nothing to do here

        def add(t: Tally) -> None:
            if e.amount < 0:
                raise Refused()
            t.total += e.amount
            t.count += 1

        return Planned(e.counter_id, add, then=lambda: followed.append(env.id))

    handler = batched(
        tallies,
        plan,
        create=lambda tally_id: Tally(id=tally_id),
        hold=hold,
        after=written.append,
        refusals=(Refused,),
    )
    try:
        a, b = f"a-{new_id()}", f"b-{new_id()}"
        run = [_event(a if i % 3 else b, i % 5) for i in range(12)]  # amounts 0 are skipped
        await handler.handle(run)
        assert writes.taken() == {"tallies": 1}  # both tallies new: one bulk insert
        assert held == written == [sorted([a, b])]
        took = [env.id for env, e in run if e.amount != 0]
        assert sorted(followed) == sorted(took)
        for tally_id in (a, b):
            mine = [e.amount for _, e in run if e.counter_id == tally_id and e.amount]
            tally = await tallies.get(tally_id)
            assert (tally.total, tally.count, tally.version) == (sum(mine), len(mine), 1)

        await handler.handle(run)  # redelivered: no write, no follower
        assert writes.taken() == {} and sorted(followed) == sorted(took)
        more = [_event(a if i % 2 else b, 1) for i in range(6)]
        await handler.handle(more)  # both stored now: one conditional update each
        assert writes.taken() == {"tallies": 2}

        with pytest.raises(PermanentError, match="negative amount"):
            await handler(*_event(a, -1))
        assert writes.taken() == {}
    finally:
        await client.drop_database(db.name)
        await client.close()


@event_type("testing.TallyMultiplied")
class TallyMultiplied(EventPayload):
    counter_id: str
    factor: int


def _multiplied(counter: str, factor: int) -> tuple[EventEnvelope, Any]:
    payload = TallyMultiplied(counter_id=counter, factor=factor)
    return make_event(payload, source="/test", key=counter, time=AT), payload


async def test_a_family_run_mixes_types_each_with_its_own_ways(infra: Infra) -> None:
    client, writes = counting_client(infra.mongo)
    db = client[f"family_{new_id()[-12:]}"]
    tallies = TallyRepository(
        db, OutboxWriter(service="t", topic="t.events", clock=SettableClock())
    )
    held: list[list[str]] = []
    written: list[list[str]] = []

    @asynccontextmanager
    async def hold(ids: list[str]) -> AsyncIterator[None]:
        held.append(ids)
        yield

    def add(env: EventEnvelope, e: TallyIncremented) -> Planned[Tally]:
        def plus(t: Tally) -> None:
            if e.amount < 0:
                raise Refused()
            t.total += e.amount

        return Planned(e.counter_id, plus)

    def multiply(env: EventEnvelope, e: TallyMultiplied) -> Planned[Tally]:
        def times(t: Tally) -> None:
            if e.factor < 0:
                raise Refused()
            t.total *= e.factor

        return Planned(e.counter_id, times)

    family = Family(tallies, hold=hold)
    adding = family.batched(add, create=lambda i: Tally(id=i), after=written.append)
    # a tally first multiplied starts at 10 (this type's own create); its refusals are its own
    multiplying = family.batched(
        multiply,
        create=lambda i: Tally(id=i, total=10),
        after=written.append,
        refusals=(Refused,),
    )
    try:
        x, y = f"x-{new_id()}", f"y-{new_id()}"
        run = [
            (multiplying, *_multiplied(x, 2)),
            (adding, *_event(x, 1)),
            (adding, *_event(y, 3)),
            (multiplying, *_multiplied(y, 2)),
        ]
        await family.handle_run(run)
        assert writes.taken() == {"tallies": 1}  # both new: one bulk insert
        assert writes.reads_taken() == {"tallies": 1}  # both looked for in one query
        assert held == [sorted([x, y])]
        assert written == [sorted([x, y])]  # one `after` shared by both types: once
        assert ((await tallies.get(x)).total, (await tallies.get(y)).total) == (21, 6)

        await family.handle_run(run)  # redelivered: nothing written
        assert writes.taken() == {}
        assert ((await tallies.get(x)).total, (await tallies.get(y)).total) == (21, 6)

        with pytest.raises(PermanentError, match="negative amount"):
            await multiplying(*_multiplied(x, -1))
        with pytest.raises(Refused):  # not one of the adding type's refusals: retried
            await family.handle_run([(multiplying, *_multiplied(x, 3)), (adding, *_event(x, -1))])
        assert writes.taken() == {} and (await tallies.get(x)).total == 21
    finally:
        await client.drop_database(db.name)
        await client.close()

"""A partition's run spans the event types of one family (`megp_common.handling.Family`) and the
events no handler takes, against the real broker and store, the store's commands counted: a
poll mixing two types of one family and ignored events costs one read and one write per
aggregate and run, each change in the partition's order; a plain handler between them ends the
run; a redelivered stream writes nothing; a run that fails is handed over one event at a time
(the poison one dead-lettered, the others applied); the consumed events count per type."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from megp_common.bus import KafkaBus, OutgoingRecord, ensure_topics
from megp_common.clock import SettableClock
from megp_common.consumer import ConsumerRunner, Handler
from megp_common.events import EventEnvelope, EventPayload, event_type, make_event
from megp_common.handling import Family, Planned, apply_once
from megp_common.ids import new_id
from megp_common.metrics import EVENTS_CONSUMED
from megp_common.mongo import OutboxWriter
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import StoreWrites, counting_client
from megp_common.testing.tally import Tally, TallyIncremented, TallyRepository

pytestmark = pytest.mark.integration

AT = datetime(2027, 1, 1, tzinfo=UTC)
INCREMENTED = TallyIncremented.event_type


@event_type("testing.TallyScaled")
class TallyScaled(EventPayload):
    """Multiplies a tally's total: with the increments, the outcome depends on their order."""

    counter_id: str
    factor: int


@event_type("testing.TallyNoted")
class TallyNoted(EventPayload):
    """Handled one event at a time (a plain handler): it ends a run."""

    counter_id: str


@event_type("testing.TallyElsewhere")
class TallyElsewhere(EventPayload):
    """An event of the topic this consumer has no handler for."""

    counter_id: str


@dataclass
class Setup:
    infra: Infra
    topic: str
    tallies: TallyRepository
    store: StoreWrites
    bus: KafkaBus
    afters: list[tuple[str, list[str]]]

    def handlers(self) -> dict[str, Handler]:
        family = Family(self.tallies)

        def increment(env: EventEnvelope, e: TallyIncremented) -> Planned[Tally]:
            def add(t: Tally) -> None:
                if e.poison:
                    raise ValueError("poison event: this handler can never apply it")
                t.total += e.amount
                t.count += 1

            return Planned(e.counter_id, add)

        def scale(env: EventEnvelope, e: TallyScaled) -> Planned[Tally]:
            def times(t: Tally) -> None:
                t.total *= e.factor
                t.count += 1

            return Planned(e.counter_id, times)

        async def noted(env: EventEnvelope, e: TallyNoted) -> None:
            def note(t: Tally) -> None:
                t.total += 100
                t.count += 1

            await apply_once(self.tallies, e.counter_id, env.id, note)

        return {
            INCREMENTED: family.batched(
                increment, after=lambda ids: self.afters.append((INCREMENTED, ids))
            ),
            TallyScaled.event_type: family.batched(
                scale, after=lambda ids: self.afters.append((TallyScaled.event_type, ids))
            ),
            TallyNoted.event_type: noted,
        }

    def runner(self, group: str) -> ConsumerRunner:
        return ConsumerRunner(
            service=group,
            bootstrap_servers=self.infra.kafka,
            topics=[self.topic],
            handlers=self.handlers(),
            bus=self.bus,
            dead_letter_topic=f"{self.topic}.dlq",
            max_retries=1,
            backoff_ms=10,
        )

    async def publish(self, events: list[EventPayload]) -> None:
        """All on one partition, acknowledged before any consumer starts: one poll."""
        records = []
        for payload in events:
            envelope = make_event(payload, source="/test", key="one", time=AT)
            records.append(
                OutgoingRecord(
                    topic=self.topic, key="one", value=envelope.to_json(), event_type=envelope.type
                )
            )
        await self.bus.publish_many(records)

    async def consume(self, group: str, *, expect: int) -> ConsumerRunner:
        """A runner of its own group, from the topic's start until it handled or dead-lettered
        `expect` events, then stopped."""
        runner = self.runner(group)
        await runner.start()
        try:
            for _ in range(600):
                if runner.handled + runner.dead_lettered >= expect:
                    break
                await asyncio.sleep(0.1)
        finally:
            await runner.stop()
        assert runner.handled + runner.dead_lettered == expect
        return runner


@pytest.fixture
async def setup(infra: Infra) -> AsyncIterator[Setup]:
    suffix = new_id()[-12:]
    topic = f"test.runs.{suffix}"
    await ensure_topics(infra.kafka, [topic, f"{topic}.dlq"], partitions=1)
    client, store = counting_client(infra.mongo)
    db = client[f"megp_test_runs_{suffix}"]
    tallies = TallyRepository(
        db, OutboxWriter(service="runs-test", topic=topic, clock=SettableClock())
    )
    bus = KafkaBus(infra.kafka, service="runs-test")
    await bus.start()
    yield Setup(infra, topic, tallies, store, bus, [])
    await bus.stop()
    await client.drop_database(db.name)
    await client.close()


def consumed(runner: ConsumerRunner, topic: str, kind: str, outcome: str = "handled") -> float:
    sample: Any = EVENTS_CONSUMED.labels(runner.service, topic, kind, outcome)
    return float(sample._value.get())


async def test_a_run_spans_a_family_and_ignored_events_with_one_write_per_aggregate(
    setup: Setup,
) -> None:
    a, b = f"a-{new_id()}", f"b-{new_id()}"
    for tally_id in (a, b):
        await setup.tallies.add(Tally(id=tally_id))
    stream: list[EventPayload] = [
        # run 1: two types of the family, for two tallies, and events nobody here takes
        TallyIncremented(counter_id=a, amount=1),
        TallyElsewhere(counter_id=a),
        TallyScaled(counter_id=a, factor=3),
        TallyIncremented(counter_id=b, amount=2),
        TallyElsewhere(counter_id=b),
        TallyScaled(counter_id=b, factor=5),
        TallyIncremented(counter_id=a, amount=4),
        # a plain handler: it ends the run (it may change the same tallies; order counts)
        TallyNoted(counter_id=a),
        # run 2
        TallyElsewhere(counter_id=a),
        TallyScaled(counter_id=a, factor=2),
        TallyIncremented(counter_id=b, amount=1),
        TallyElsewhere(counter_id=b),
    ]
    await setup.publish(stream)
    setup.store.taken(), setup.store.reads_taken()

    runner = await setup.consume(f"runs-{new_id()[-8:]}", expect=8)

    # two runs of one read (both tallies in one query) and two writes, the plain handler's one
    assert setup.store.taken() == {"tallies": 2 + 1 + 2}
    assert setup.store.reads_taken() == {"tallies": 1 + 1 + 1}
    tally_a, tally_b = await setup.tallies.get(a), await setup.tallies.get(b)
    assert (tally_a.total, tally_a.count) == ((((0 + 1) * 3 + 4) + 100) * 2, 5)
    assert (tally_b.total, tally_b.count) == ((0 + 2) * 5 + 1, 3)
    # each type's `after` with the tallies its own events planned, once per run
    assert setup.afters == [
        (INCREMENTED, sorted([a, b])),
        (TallyScaled.event_type, sorted([a, b])),
        (TallyScaled.event_type, [a]),
        (INCREMENTED, [b]),
    ]
    assert consumed(runner, setup.topic, INCREMENTED) == 4
    assert consumed(runner, setup.topic, TallyScaled.event_type) == 3
    assert consumed(runner, setup.topic, TallyNoted.event_type) == 1
    assert consumed(runner, setup.topic, TallyElsewhere.event_type) == 0
    assert runner.dead_lettered == 0

    # the same stream again (another group reads it from the start): nothing applied twice
    await setup.consume(f"again-{new_id()[-8:]}", expect=8)
    assert setup.store.taken() == {}
    again_a, again_b = await setup.tallies.get(a), await setup.tallies.get(b)
    assert (again_a.total, again_a.version, again_b.total, again_b.version) == (
        tally_a.total,
        tally_a.version,
        tally_b.total,
        tally_b.version,
    )


async def test_a_failing_run_is_handed_over_one_event_at_a_time(setup: Setup) -> None:
    a, b = f"a-{new_id()}", f"b-{new_id()}"
    for tally_id in (a, b):
        await setup.tallies.add(Tally(id=tally_id))
    stream: list[EventPayload] = [
        TallyIncremented(counter_id=a, amount=1),
        TallyElsewhere(counter_id=a),
        TallyScaled(counter_id=a, factor=3),
        TallyIncremented(counter_id=b, amount=7, poison=True),
        TallyScaled(counter_id=b, factor=5),
        TallyIncremented(counter_id=b, amount=2),
    ]
    await setup.publish(stream)

    runner = await setup.consume(f"poison-{new_id()[-8:]}", expect=5)

    assert runner.dead_lettered == 1
    assert consumed(runner, setup.topic, INCREMENTED, "dead_lettered") == 1
    assert consumed(runner, setup.topic, INCREMENTED) == 2
    assert consumed(runner, setup.topic, TallyScaled.event_type) == 2
    tally_a, tally_b = await setup.tallies.get(a), await setup.tallies.get(b)
    assert (tally_a.total, tally_a.count) == ((0 + 1) * 3, 2)
    assert (tally_b.total, tally_b.count) == (0 * 5 + 2, 2)

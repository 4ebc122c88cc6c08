"""A consumer's poll that brought few records gathers what arrives within `gather_ms` of it
(`ConsumerRunner(gather_ms=)`, CONSUMER_GATHER_MS in a service), against the real broker and
store: events of one aggregate trickling in one at a time are applied as a few runs, in fewer
writes than events (the store's write commands counted); and a consumer that dies between a
gathered run's write and the commit of its offsets is healed by the next one, every event
applied exactly once (the redelivered run recognized by the ids kept with its effect)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from megp_common.bus import KafkaBus, OutgoingRecord, ensure_topics
from megp_common.clock import SettableClock
from megp_common.consumer import ConsumerRunner
from megp_common.events import make_event
from megp_common.ids import new_id
from megp_common.metrics import CONSUMER_RUN_EVENTS
from megp_common.mongo import OutboxWriter
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import counting_client
from megp_common.testing.tally import (
    CRASH_EXIT,
    Counter,
    TallyIncremented,
    TallyRepository,
    make_batch_handler,
)

pytestmark = pytest.mark.integration

#: the gather of these tests: longer than the trickle of twelve events takes, even on a loaded
#: machine (two cores at a load average of 70 made a 1.5 s window too short), so that it is a
#: few runs
GATHER_MS = 3000
TRICKLE_GAP_S = 0.06


def _runs(service: str, topic: str) -> tuple[float, float]:
    """(runs, events in them) the runner handed to its batch handler, from its histogram."""
    sample: Any = CONSUMER_RUN_EVENTS.labels(service, topic)
    return float(sum(b.get() for b in sample._buckets)), float(sample._sum.get())


async def test_events_trickling_in_are_applied_in_fewer_writes_than_events(infra: Infra) -> None:
    suffix = new_id()[-12:]
    topic, group = f"test.gather.{suffix}", f"gather-{suffix}"
    await ensure_topics(infra.kafka, [topic, f"{topic}.dlq"], partitions=1)
    client, store = counting_client(infra.mongo)
    db = client[f"megp_test_gather_{suffix}"]
    tallies = TallyRepository(db, OutboxWriter(service=group, topic=topic, clock=SettableClock()))
    bus = KafkaBus(infra.kafka, service=group)
    await bus.start()
    runner = ConsumerRunner(
        service=group,
        bootstrap_servers=infra.kafka,
        topics=[topic],
        handlers={TallyIncremented.event_type: make_batch_handler(tallies, remember=False)},
        bus=bus,
        dead_letter_topic=f"{topic}.dlq",
        gather_ms=GATHER_MS,
    )

    async def send(amount: int) -> None:
        payload = TallyIncremented(counter_id="t", amount=amount)
        envelope = make_event(payload, source="/test", key="t", time=datetime.now(UTC))
        record = OutgoingRecord(
            topic=topic, key="t", value=envelope.to_json(), event_type=envelope.type
        )
        await bus.publish_many([record])

    async def handled(count: int) -> None:
        for _ in range(600):
            if runner.handled >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{runner.handled} of {count} events handled")

    try:
        await runner.start()
        await send(100)  # the consumer has joined its group once this one is applied
        await handled(1)
        store.taken()
        runs_before = _runs(group, topic)

        amounts = list(range(1, 13))
        for amount in amounts:  # one at a time, each acknowledged before the next is sent
            await send(amount)
            await asyncio.sleep(TRICKLE_GAP_S)
        await handled(1 + len(amounts))

        tally = await tallies.get("t")
        assert (tally.count, tally.total) == (13, 100 + sum(amounts))
        writes = store.taken().get("tallies", 0)
        # one write a run, and the trickle of twelve was gathered into at most three runs
        assert 1 <= writes <= 3 < len(amounts)
        runs, events = (a - b for a, b in zip(_runs(group, topic), runs_before, strict=True))
        assert events == len(amounts) and runs == writes
    finally:
        await runner.stop()
        await bus.stop()
        await client.drop_database(db.name)
        await client.close()


async def test_a_consumer_dying_between_a_gathered_runs_write_and_its_commit_is_healed_once(
    scenario,  # type: ignore[no-untyped-def]
) -> None:
    await scenario.start_relay_here()  # each commit published at once, as in a service
    gathering = {"TALLY_BATCH": "1", "TALLY_GATHER_MS": str(GATHER_MS)}
    crashing = scenario.spawn("consumer", **gathering, TALLY_EXIT_AFTER_RUN="1")
    await scenario.wait_running(crashing)

    amounts = list(range(1, 13))
    counter = Counter(id="g")
    counter.increment(amounts[0])
    await scenario.counters.add(counter)
    for amount in amounts[1:]:  # trickling in: one commit, one event, at a time
        await asyncio.sleep(TRICKLE_GAP_S)
        counter.increment(amount)
        await scenario.counters.save(counter)

    # it wrote its first run and died before committing the run's offsets
    assert await asyncio.to_thread(crashing.wait, 60) == CRASH_EXIT
    before = await scenario.tallies.get("g")
    # one write for a gathered run of several
    assert (before.version, before.count >= 2) == (1, True), before.count

    healer = scenario.spawn("consumer", **gathering)
    await scenario.wait_running(healer)

    async def all_applied() -> bool:
        return (await scenario.tally("g"))[0] >= len(amounts)

    await scenario.wait_until(all_applied, what="the twelve increments applied")
    await asyncio.sleep(2.0)  # anything applied twice would show up now
    # the dead consumer's run came again and was recognized: each event counted once
    assert await scenario.tally("g") == (len(amounts), sum(amounts))
    after = await scenario.tallies.get("g")
    assert after.version < len(amounts)  # still fewer writes than events

"""A restart of the broker in the middle of a stream loses nothing and applies nothing twice."""

from __future__ import annotations

import asyncio

import pytest

from megp_common.testing.tally import Counter

pytestmark = [pytest.mark.integration, pytest.mark.chaos]


async def test_broker_restart_mid_stream_loses_nothing(scenario) -> None:  # type: ignore[no-untyped-def]
    if scenario.infra.restart_kafka is None:
        raise AssertionError(
            "this test restarts the broker: run it on a harness-managed broker "
            "(unset KAFKA_BOOTSTRAP_SERVERS and MONGO_URL)"
        )
    await scenario.wait_running(scenario.spawn("consumer"))
    await scenario.start_relay_here()
    counters = [Counter(id=f"r{i}") for i in range(5)]
    for c in counters:
        c.increment(1)
        await scenario.counters.add(c)

    async def commit_stream(rounds: int) -> None:
        for _ in range(rounds):
            for c in counters:
                c.increment(1)
                await scenario.counters.save(c)
            await asyncio.sleep(0.02)

    await commit_stream(20)
    restart = asyncio.create_task(asyncio.to_thread(scenario.infra.restart_kafka))
    await commit_stream(40)  # commits keep landing in the store while the broker is away
    await restart
    await commit_stream(20)
    expected = 1 + 20 + 40 + 20

    async def all_applied() -> bool:
        counts = [(await scenario.tally(c.id))[0] for c in counters]
        return all(n >= expected for n in counts)

    await scenario.wait_until(all_applied, timeout_s=120, what="every increment applied")
    await asyncio.sleep(2.0)
    for c in counters:
        assert await scenario.tally(c.id) == (expected, expected)

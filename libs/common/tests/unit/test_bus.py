"""KafkaBus replaces a producer whose sequence state the broker refused (aiokafka does not
recover from it: aio-libs/aiokafka#1017), and only then raises, so the caller's retry succeeds.
The producers here are stand-ins: what is tested is the bus's own bookkeeping; the broker side
is covered by the integration tests against a real Kafka."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import KafkaTimeoutError, OutOfOrderSequenceNumber

from megp_common.bus import KafkaBus, OutgoingRecord


class StandIn:
    def __init__(self, fail_with: Exception | None = None) -> None:
        self.fail_with, self.sent, self.started, self.stopped = fail_with, [], False, False

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True

    async def send(self, topic: str, value: bytes, **_: Any) -> asyncio.Future[None]:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.fail_with is not None:
            done.set_exception(self.fail_with)
        else:
            self.sent.append(value)
            done.set_result(None)
        return done


RECORDS = [OutgoingRecord(topic="t.events", key="k", value=b"one", event_type="t.One")]


async def test_a_refused_sequence_state_gets_a_new_producer_before_the_error_is_raised() -> None:
    bus = KafkaBus("localhost:1", service="bus-test")
    broken, fresh = StandIn(OutOfOrderSequenceNumber()), StandIn()
    bus.producer = broken  # type: ignore[assignment]
    bus._make_producer = lambda: fresh  # type: ignore[method-assign,assignment,return-value]
    with pytest.raises(OutOfOrderSequenceNumber):
        await bus.publish_many(RECORDS)
    assert broken.stopped and fresh.started and bus.producer is fresh
    await bus.publish_many(RECORDS)  # the caller's retry
    assert fresh.sent == [b"one"]


async def test_other_errors_keep_the_producer() -> None:
    bus = KafkaBus("localhost:1", service="bus-test")
    slow = StandIn(KafkaTimeoutError())
    bus.producer = slow  # type: ignore[assignment]
    with pytest.raises(KafkaTimeoutError):
        await bus.publish_many(RECORDS)
    assert bus.producer is slow and not slow.stopped

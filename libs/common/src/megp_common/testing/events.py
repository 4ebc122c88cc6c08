"""Reading what the service published: a tap opened before the actions, read after them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition


@dataclass(frozen=True)
class Published:
    key: str
    type: str
    data: dict[str, Any]
    envelope: dict[str, Any]


def distinct(events: list[Published]) -> list[Published]:
    """One copy of each event. Delivery is at least once: the relay may send an event again
    (same id) after a crash or when a sweep overlaps its fast path; consumers drop such copies
    by id, so what must hold is one *event* per fact, every copy identical."""
    first: dict[str, Published] = {}
    for e in events:
        seen = first.setdefault(e.envelope["id"], e)
        assert seen == e, "two different events share an id"
    return list(first.values())


class EventTap:
    """Remembers where each partition of `topic` ends now; `collect` reads from there."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self._consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self._topic = topic

    async def __aenter__(self) -> EventTap:
        await self._consumer.start()
        # Without a group the consumer is assigned every partition once it knows them.
        deadline = asyncio.get_running_loop().time() + 30
        while not self._consumer.assignment():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"no partitions of {self._topic} were assigned")
            await asyncio.sleep(0.05)
        partitions: list[TopicPartition] = sorted(self._consumer.assignment())
        await self._consumer.seek_to_end(*partitions)
        for tp in partitions:
            await self._consumer.position(tp)  # fix the starting point now
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._consumer.stop()

    async def collect(
        self,
        match: Callable[[Published], bool],
        *,
        expect: int,
        timeout_s: float = 30.0,
        settle_s: float = 1.5,
    ) -> list[Published]:
        """Every matching message, waiting until `expect` distinct events (by id) arrived and
        then `settle_s` more for anything that would follow (a copy, or an event too many)."""
        got: list[Published] = []
        ids: set[str] = set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        settle_until: float | None = None
        while True:
            now = loop.time()
            if len(ids) >= expect and settle_until is None:
                settle_until = now + settle_s
            if (settle_until is not None and now >= settle_until) or now >= deadline:
                return got
            batch = await self._consumer.getmany(timeout_ms=200)
            for messages in batch.values():
                for m in messages:
                    env = orjson.loads(m.value)
                    event = Published(
                        m.key.decode() if m.key else "", env["type"], env["data"], env
                    )
                    if match(event):
                        got.append(event)
                        ids.add(env["id"])

"""Kafka plumbing: the idempotent producer and explicit topic creation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from megp_common.metrics import EVENTS_PUBLISHED


@dataclass(frozen=True)
class OutgoingRecord:
    topic: str
    key: str
    value: bytes
    event_type: str = ""
    headers: tuple[tuple[str, bytes], ...] = ()


class KafkaBus:
    """One idempotent producer per process (`acks=all`, ordered per partition)."""

    def __init__(self, bootstrap_servers: str, *, service: str, client_id: str | None = None):
        self._service = service
        self._bootstrap, self._client_id = bootstrap_servers, client_id or service
        self.producer = self._make_producer()

    def _make_producer(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=2,
            max_batch_size=262144,
            request_timeout_ms=30000,
            retry_backoff_ms=200,
        )

    async def start(self) -> None:
        """Start the producer; after a failed start a fresh one replaces it, ready to retry."""
        try:
            await self.producer.start()
        except Exception:
            await self.producer.stop()
            self.producer = self._make_producer()
            raise

    async def stop(self) -> None:
        await self.producer.stop()

    async def publish_many(self, records: Sequence[OutgoingRecord]) -> None:
        """Send all records, then wait until the broker acknowledged every one."""
        futures = [
            await self.producer.send(
                r.topic, r.value, key=r.key.encode(), headers=list(r.headers) or None
            )
            for r in records
        ]
        await asyncio.gather(*futures)
        for r in records:
            EVENTS_PUBLISHED.labels(self._service, r.topic, r.event_type).inc()

    async def publish(self, record: OutgoingRecord) -> None:
        await self.publish_many([record])

    async def reachable(self, timeout_s: float = 2.0) -> bool:
        try:
            return bool(
                await asyncio.wait_for(self.producer.client.force_metadata_update(), timeout_s)
            )
        except Exception:
            return False


async def ensure_topics(
    bootstrap_servers: str, topics: Sequence[str], *, partitions: int, replication: int = 1
) -> list[str]:
    """Create the topics that do not exist yet; return the ones created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="megp-topics")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [
                        NewTopic(t, num_partitions=partitions, replication_factor=replication)
                        for t in missing
                    ]
                )
        return missing
    finally:
        await admin.close()

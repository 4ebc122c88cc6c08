"""Kafka plumbing: the idempotent producer and explicit topic creation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    InvalidProducerEpoch,
    OutOfOrderSequenceNumber,
    TopicAlreadyExistsError,
    UnknownProducerId,
)

from megp_common.metrics import EVENTS_PUBLISHED, PRODUCERS_REPLACED

log = structlog.get_logger(__name__)

# the broker no longer accepts this producer's sequence state: only a new producer recovers
PRODUCER_STATE_ERRORS = (OutOfOrderSequenceNumber, UnknownProducerId, InvalidProducerEpoch)


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
        self._replacing = asyncio.Lock()

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

    async def _replace_producer(self, broken: AIOKafkaProducer, error: Exception) -> None:
        async with self._replacing:
            if self.producer is not broken:
                return  # another caller replaced it already
            log.warning("replacing the Kafka producer", error=repr(error), service=self._service)
            with contextlib.suppress(Exception):
                await broken.stop()
            fresh = self._make_producer()
            await fresh.start()
            self.producer = fresh
            PRODUCERS_REPLACED.labels(self._service).inc()

    async def publish_many(self, records: Sequence[OutgoingRecord]) -> None:
        """Send all records, then wait until the broker acknowledged every one.

        A producer whose sequence numbers the broker no longer accepts (OutOfOrderSequenceNumber,
        UnknownProducerId, InvalidProducerEpoch: seen after a retried NotLeaderForPartition on a
        topic created a moment earlier) never recovers in aiokafka: every later send to that
        partition fails, and each retry of a batch lands its other records again. Such an error
        replaces the producer with a new one (a new producer id, sequences from zero) before it
        is raised, so the caller's retry goes through; what the failed batch did land is a
        duplicate consumers drop by event id."""
        producer = self.producer
        try:
            futures = [
                await producer.send(
                    r.topic, r.value, key=r.key.encode(), headers=list(r.headers) or None
                )
                for r in records
            ]
            await asyncio.gather(*futures)
        except PRODUCER_STATE_ERRORS as exc:
            await self._replace_producer(producer, exc)
            raise
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
    """Create the topics that do not exist yet, wait until every partition of them has a
    leader (a producer sending earlier gets NotLeaderForPartition and retries, the path that
    desynchronizes aiokafka's idempotent producer), and return the ones created."""
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
            await _leaders_elected(admin, missing, partitions)
        return missing
    finally:
        await admin.close()


async def _leaders_elected(
    admin: AIOKafkaAdminClient, topics: Sequence[str], partitions: int, timeout_s: float = 30.0
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        described = await admin.describe_topics(list(topics))
        ready = sum(
            1
            for topic in described
            if topic.get("error_code") == 0
            for p in topic.get("partitions", [])
            if p.get("error_code") == 0 and p.get("leader", -1) >= 0
        )
        if ready >= partitions * len(topics):
            return
        if loop.time() > deadline:
            raise TimeoutError(f"no leader elected for every partition of {list(topics)}")
        await asyncio.sleep(0.2)

"""What the simulation reads from Kafka: consumer lag, dead letters, the run's events (folded
into `RunEvents` as they are read), and the obligations funds announces while the run goes
(ObligationFeed)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from megp_simulation.digest import RunEvents

CONSUMER_GROUPS = ("enrollment", "funds", "credit", "trade", "donors")
EVENT_TOPICS = (
    "enrollment.events",
    "funds.events",
    "credit.events",
    "trade.events",
    "ip-counsel.events",
    "donors.events",
)
DLQ_TOPICS = (
    "enrollment.dlq",
    "funds.dlq",
    "credit.dlq",
    "trade.dlq",
    "ip-counsel.dlq",
    "webhooks.dlq",
    "donors.dlq",
)


async def committed_offsets(bootstrap: str) -> dict[str, dict[TopicPartition, int]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        out = {}
        for group in CONSUMER_GROUPS:
            offsets = await admin.list_consumer_group_offsets(group)
            out[group] = {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
        return out
    finally:
        await admin.close()


#: what one fetch of the checks' reads may bring, per partition and in all: the client's
#: defaults (1 MiB a partition, 50 MiB a fetch) let its buffers grow with the topics, to every
#: partition's megabyte at once (36 partitions, decoded: the largest thing the checks held)
FETCH_PARTITION_BYTES = 256 * 1024
FETCH_BYTES = 2 * 1024 * 1024


async def _with_consumer(bootstrap: str, work: Any) -> Any:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        max_partition_fetch_bytes=FETCH_PARTITION_BYTES,
        fetch_max_bytes=FETCH_BYTES,
    )
    await consumer.start()
    try:
        return await work(consumer)
    finally:
        await consumer.stop()


def _partitions(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    out = []
    for topic in topics:
        for p in sorted(consumer.partitions_for_topic(topic) or ()):
            out.append(TopicPartition(topic, p))
    return out


async def _ensure_metadata(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> None:
    for topic in topics:
        if not consumer.partitions_for_topic(topic):
            await consumer._client.force_metadata_update()
            for _ in range(50):
                if consumer.partitions_for_topic(topic):
                    break
                await asyncio.sleep(0.1)


async def lag(bootstrap: str) -> dict[str, int]:
    """Per consumer group: end offsets minus committed offsets over the partitions it reads."""
    committed = await committed_offsets(bootstrap)

    async def work(consumer: AIOKafkaConsumer) -> dict[str, int]:
        out = {}
        for group, offsets in committed.items():
            if not offsets:
                out[group] = 0
                continue
            ends = await consumer.end_offsets(list(offsets))
            out[group] = sum(max(0, ends[tp] - off) for tp, off in offsets.items())
        return out

    result: dict[str, int] = await _with_consumer(bootstrap, work)
    return result


async def wait_for_zero_lag(bootstrap: str, timeout_s: float = 90.0) -> dict[str, int]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        current = await lag(bootstrap)
        if not any(current.values()) or loop.time() > deadline:
            return current
        await asyncio.sleep(0.5)


async def _start_offsets(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], since_ms: int
) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
    ends = await consumer.end_offsets(partitions) if partitions else {}
    found = await consumer.offsets_for_times({tp: since_ms for tp in partitions})
    starts = {tp: (found[tp].offset if found.get(tp) else ends[tp]) for tp in partitions}
    return starts, ends


async def _records_between(
    consumer: AIOKafkaConsumer,
    starts: dict[TopicPartition, int],
    ends: dict[TopicPartition, int],
) -> AsyncIterator[Any]:
    """Every record of each partition from its `starts` offset up to (not including) its
    `ends` offset, read once."""
    todo = [tp for tp in ends if ends[tp] > starts[tp]]
    if not todo:
        return
    consumer.assign(todo)
    for tp in todo:
        consumer.seek(tp, starts[tp])
    remaining = set(todo)
    while remaining:
        batch = await consumer.getmany(timeout_ms=1000, max_records=PAGE_RECORDS)
        for tp, records in batch.items():
            for record in records:
                if record.offset < ends[tp]:
                    yield record
        for tp in list(remaining):
            if await consumer.position(tp) >= ends[tp]:
                remaining.discard(tp)


#: records taken from the client at a time (each folded and dropped before the next page)
PAGE_RECORDS = 1000


def _key(record: Any) -> str:
    return record.key.decode() if record.key else ""


async def dead_letters_since(
    bootstrap: str, since_ms: int, keys: set[str]
) -> dict[str, tuple[int, int]]:
    """Per dead-letter topic, the messages produced at or after `since_ms`: (this run's, others').
    A dead letter keeps its event's key (a group, fund or line id), so one keyed by `keys` is
    this run's; others come from whatever else shares the broker (another test's processes)."""

    async def work(consumer: AIOKafkaConsumer) -> dict[str, tuple[int, int]]:
        await _ensure_metadata(consumer, DLQ_TOPICS)
        out: dict[str, tuple[int, int]] = {}
        for topic in DLQ_TOPICS:
            starts, ends = await _start_offsets(consumer, _partitions(consumer, [topic]), since_ms)
            ours = theirs = 0
            async for record in _records_between(consumer, starts, ends):
                if _key(record) in keys:
                    ours += 1
                else:
                    theirs += 1
            out[topic] = (ours, theirs)
        return out

    result: dict[str, tuple[int, int]] = await _with_consumer(bootstrap, work)
    return result


async def events_since(
    bootstrap: str, since_ms: int, keys: set[str], watched: Iterable[str] = ()
) -> RunEvents:
    """Counts every event published since `since_ms` and folds those keyed by `keys` into the
    checks' digest (`RunEvents`), scanning each for the `watched` words: one pass over the
    topics, 1,000 records at a time from fetches of at most 2 MiB, no event kept whole."""
    run = RunEvents(watched=tuple(watched))

    async def work(consumer: AIOKafkaConsumer) -> None:
        await _ensure_metadata(consumer, EVENT_TOPICS)
        parts = _partitions(consumer, EVENT_TOPICS)
        starts, ends = await _start_offsets(consumer, parts, since_ms)
        for topic in EVENT_TOPICS:
            run.published[topic] = sum(ends[tp] - starts[tp] for tp in parts if tp.topic == topic)
        async for record in _records_between(consumer, starts, ends):
            if _key(record) in keys:
                run.bytes_read += len(record.value)
                run.note(orjson.loads(record.value))

    await _with_consumer(bootstrap, work)
    return run


async def consumed_between(
    before: dict[str, dict[TopicPartition, int]], after: dict[str, dict[TopicPartition, int]]
) -> dict[str, int]:
    """Messages each consumer group committed past during the run."""
    out = {}
    for group, offsets in after.items():
        start = before.get(group, {})
        out[group] = sum(max(0, off - start.get(tp, 0)) for tp, off in offsets.items())
    return out


OBLIGATIONS_CREATED = "funds.DepositObligationsCreated"


class ObligationFeed:
    """Follows `funds.events` from the run's start and remembers, per group and period, the
    obligations each DepositObligationsCreated announced. The driver waits on it for a closed
    period's obligations before depositing, instead of polling the funds service: the event is
    the fact it waits for, and a national month's polls were funds' own work crowded out (see
    docs/simulation.md). Duplicated deliveries count once (by obligation id).

    A period's ids are kept only until a wait for it is answered: then the group keeps just
    that period and its count (the driver waits for a group's periods in order, once each), and
    copies of it or of an earlier period are not kept again. What it holds stays the open
    periods of the groups, not every obligation of the run (a national run announces a million)."""

    def __init__(self, bootstrap: str, since_ms: int) -> None:
        self.bootstrap, self.since_ms = bootstrap, since_ms
        #: (group, period) -> the distinct obligation ids announced, until a wait is answered
        self._seen: dict[tuple[str, str], set[str]] = {}
        #: group -> the latest period a wait was answered for, and how many it had then
        self._answered: dict[str, tuple[str, int]] = {}
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="obligation-feed", daemon=True)
        self.error: BaseException | None = None

    def start(self, timeout_s: float = 60.0) -> ObligationFeed:
        self._thread.start()
        if not self._ready.wait(timeout_s) or self.error is not None:
            raise RuntimeError(f"could not follow funds.events: {self.error!r}")
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(10.0)

    def note(self, envelope: dict[str, Any]) -> bool:
        """Takes one envelope; True when it announced obligations."""
        if envelope.get("type") != OBLIGATIONS_CREATED:
            return False
        data = envelope.get("data") or {}
        key = (str(data.get("group_id")), str(data.get("period_start")))
        ids = {str(o["obligation_id"]) for o in data.get("obligations") or ()}
        with self._changed:
            answered = self._answered.get(key[0])
            if answered is None or key[1] > answered[0]:  # ISO dates: text order is time order
                self._seen.setdefault(key, set()).update(ids)
                self._changed.notify_all()
        return True

    def wait_for(self, group_id: str, period_start: str, expected: int, timeout_s: float) -> bool:
        """Whether `expected` obligations of the group's period were announced within
        `timeout_s`; raises if the feed itself failed."""
        deadline = time.monotonic() + timeout_s
        key = (group_id, period_start)
        with self._changed:
            while (got := self._count(key)) < expected:
                if self.error is not None:
                    raise RuntimeError(f"the obligation feed stopped: {self.error!r}")
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 1.0))
            answered = self._answered.get(group_id)
            if answered is None or period_start > answered[0]:
                self._answered[group_id] = (period_start, got)
                for done in [k for k in self._seen if k[0] == group_id and k[1] <= period_start]:
                    del self._seen[done]
        return True

    def _count(self, key: tuple[str, str]) -> int:
        """The distinct obligations announced for a (group, period); a period answered before
        counts what it had when its wait was answered (and an earlier one as answered)."""
        answered = self._answered.get(key[0])
        if answered is not None and key[1] <= answered[0]:
            return answered[1] if key[1] == answered[0] else 1 << 62
        return len(self._seen.get(key, ()))

    def _run(self) -> None:
        try:
            asyncio.run(self._follow())
        except BaseException as exc:  # reported to the waiting threads
            self.error = exc
            self._ready.set()
            with self._changed:
                self._changed.notify_all()

    async def _follow(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            max_partition_fetch_bytes=FETCH_PARTITION_BYTES,
            fetch_max_bytes=FETCH_BYTES,
        )
        await consumer.start()
        try:
            await _ensure_metadata(consumer, ["funds.events"])
            parts = _partitions(consumer, ["funds.events"])
            starts, _ = await _start_offsets(consumer, parts, self.since_ms)
            consumer.assign(parts)
            for tp in parts:
                consumer.seek(tp, starts[tp])
            self._ready.set()
            while not self._stopping.is_set():
                batch = await consumer.getmany(timeout_ms=500, max_records=2000)
                for records in batch.values():
                    for record in records:
                        self.note(orjson.loads(record.value))
        finally:
            await consumer.stop()

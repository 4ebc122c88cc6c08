"""The consumer runner: one consumer group per service, effectively-once handling.

- Offsets are committed only after every message before them was handled (or dead-lettered).
- Handlers are idempotent: they record the event id in the same write as their effect (see
  `Aggregate.mark_applied` and `apply_once`), so a redelivery changes nothing.
- A failing handler is retried with exponential backoff; a concurrency conflict is retried at
  once. After the last attempt the message goes to the service's dead-letter topic with the error
  in its headers, and the partition moves on: one bad message never stalls the ones behind it.
- Partitions of one poll are handled concurrently; messages of one partition strictly in order.
- A partition's consecutive events whose handlers are one `BatchHandler` or of one family
  (`BatchHandler.joins`) are handed over as one run, skipping those of types no handler here
  takes; any other handler ends the run.
- A poll that brought fewer than `gather_records` records waits up to `gather_ms` (from its
  first record) for more before any is handled, so that events trickling in a few a second
  still make runs of several: each event's effect comes up to `gather_ms` later, and its
  offset is committed, as always, only after the run's write.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from megp_common.bus import KafkaBus, OutgoingRecord
from megp_common.context import causal_context
from megp_common.events import EventEnvelope, EventPayload, UnknownEventType
from megp_common.metrics import (
    CONSUMER_LAG,
    CONSUMER_RUN_EVENTS,
    DLQ_MESSAGES,
    EVENTS_CONSUMED,
)
from megp_common.mongo import ConcurrencyConflict
from megp_common.unavailable import is_outage

log = structlog.get_logger(__name__)

Handler = Callable[[EventEnvelope, Any], Awaitable[None]]


class RunFamily(Protocol):
    """Batch handlers of several event types that write the same aggregates: a run mixing their
    events is applied in one call, each event with the handler its type has here."""

    async def handle_run(self, run: Sequence[tuple[BatchHandler, EventEnvelope, Any]]) -> None: ...


@dataclass(frozen=True)
class BatchHandler:
    """Handles a run of consecutive events from one partition in one call, so it can read and
    commit each aggregate once per run instead of once per event. A run holds the events of
    this handler (it may be given for several types: it takes them mixed) or of its `family`
    (the handlers of other types writing the same aggregates, `megp_common.handling.Family`),
    and between them the events no handler here takes. If the call fails, the runner handles
    the run's events one at a time (with retries and dead-lettering), so the batch form must be
    as idempotent as the single one. It sets the causal context itself if the events it
    handles produce events of their own."""

    handle: Callable[[list[tuple[EventEnvelope, Any]]], Awaitable[None]]
    family: RunFamily | None = None

    async def __call__(self, envelope: EventEnvelope, payload: Any) -> None:
        await self.handle([(envelope, payload)])

    def joins(self, other: BatchHandler) -> bool:
        """Whether `other`'s events may share a run with this handler's."""
        return self == other or (self.family is not None and self.family is other.family)


class PermanentError(Exception):
    """A handler error that no retry can cure (bad data): dead-letter at once."""


class ConsumerRunner:
    def __init__(
        self,
        *,
        service: str,
        bootstrap_servers: str,
        topics: Sequence[str],
        handlers: Mapping[str, Handler],
        bus: KafkaBus,
        dead_letter_topic: str,
        max_retries: int = 3,
        backoff_ms: int = 100,
        max_batch: int = 500,
        group_id: str | None = None,
        gather_ms: int = 0,
        gather_records: int = 200,
    ) -> None:
        self.service = service
        self._topics = list(topics)
        self._handlers = dict(handlers)
        self._bus = bus
        self._dlq = dead_letter_topic
        self._max_retries, self._backoff_ms, self._max_batch = max_retries, backoff_ms, max_batch
        self._bootstrap, self._group = bootstrap_servers, group_id or service
        self._gather_ms, self._gather_records = gather_ms, min(gather_records, max_batch)
        self._consumer = self._make_consumer()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.handled = 0
        self.dead_lettered = 0

    def _make_consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            *self._topics,
            bootstrap_servers=self._bootstrap,
            group_id=self._group,
            client_id=f"{self.service}-consumer",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=self._max_batch,
        )

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if not self._topics:
            return
        try:
            await self._consumer.start()
        except Exception:
            await self._consumer.stop()
            self._consumer = self._make_consumer()
            raise
        self._task = asyncio.create_task(self._run(), name=f"{self.service}-consumer")

    async def stop(self) -> None:
        """Finish the batch in hand, commit it, leave the group."""
        self._stopping = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            await self._consumer.stop()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                batches = await self._consumer.getmany(timeout_ms=200, max_records=self._max_batch)
                if not batches:
                    continue
                await self._gather(batches)
                await asyncio.gather(*(self._handle_partition(msgs) for msgs in batches.values()))
                # a partition taken away meanwhile (a rebalance during the poll or its gather)
                # is not committed here: its new owner reads it again and drops what was applied
                owned = self._consumer.assignment()
                offsets = {tp: msgs[-1].offset + 1 for tp, msgs in batches.items() if tp in owned}
                if offsets:
                    await self._consumer.commit(offsets)
                self._observe_lag(batches)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Offsets of the failed batch are not committed: it is read again.
                log.warning("consumer loop error; retrying", error=repr(exc))
                await asyncio.sleep(1.0)
                await self._rewind()

    async def _gather(self, batches: dict[TopicPartition, list[ConsumerRecord[Any, Any]]]) -> None:
        """Add to a poll that brought fewer than `gather_records` records what arrives within
        `gather_ms` of it, up to that many: a partition's events trickling in (a group's sales,
        a few a second) then reach their handler as one run, one write per aggregate, instead
        of one write each. A record fetched again after a rebalance (the position reset to the
        committed offset) is not added twice."""
        if self._gather_ms <= 0:
            return
        held = sum(len(msgs) for msgs in batches.values())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._gather_ms / 1000
        while held < self._gather_records and not self._stopping:
            left_ms = int((deadline - loop.time()) * 1000)
            if left_ms <= 0:
                break
            more = await self._consumer.getmany(
                timeout_ms=left_ms, max_records=self._max_batch - held
            )
            for tp, msgs in more.items():
                mine = batches.setdefault(tp, [])
                last = mine[-1].offset if mine else -1
                fresh = [m for m in msgs if m.offset > last]
                mine.extend(fresh)
                held += len(fresh)

    async def _rewind(self) -> None:
        with contextlib.suppress(Exception):
            for tp in self._consumer.assignment():
                committed = await self._consumer.committed(tp)
                if committed is not None:
                    self._consumer.seek(tp, committed)

    def _observe_lag(
        self, batches: Mapping[TopicPartition, list[ConsumerRecord[Any, Any]]]
    ) -> None:
        for tp, msgs in batches.items():
            high = self._consumer.highwater(tp)
            if high is not None:
                CONSUMER_LAG.labels(self.service, tp.topic, str(tp.partition)).set(
                    max(0, high - msgs[-1].offset - 1)
                )

    async def _handle_partition(self, msgs: list[ConsumerRecord[Any, Any]]) -> None:
        i = 0
        while i < len(msgs):
            run = self._batch_run(msgs, i)
            taken = [(e, h) for _, e, h in run if h is not None]
            if taken:
                CONSUMER_RUN_EVENTS.labels(self.service, run[0][0].topic).observe(len(taken))
            if len(taken) > 1 and await self._try_batch(run[0][0].topic, taken):
                i += len(run)  # those no handler takes need nothing (their offsets commit)
                continue
            for msg in [m for m, _, _ in run] or [msgs[i]]:
                await self.handle(msg)
            i += max(1, len(run))

    def _batch_run(
        self, msgs: list[ConsumerRecord[Any, Any]], start: int
    ) -> list[tuple[ConsumerRecord[Any, Any], EventEnvelope, BatchHandler | None]]:
        """The consecutive messages from `start` that one batch can take: those whose handler
        joins the first's (the same handler, or one of its family), and between them those of
        a type no handler here takes (None: skipped, as one by one). Any other handler, or an
        unreadable message, ends the run: it may touch the same aggregates, and order counts."""
        run: list[tuple[ConsumerRecord[Any, Any], EventEnvelope, BatchHandler | None]] = []
        first: BatchHandler | None = None
        for msg in msgs[start:]:
            try:
                envelope = EventEnvelope.from_json(msg.value)
            except Exception:
                break
            handler = self._handlers.get(envelope.type)
            if handler is None:
                run.append((msg, envelope, None))
                continue
            if not isinstance(handler, BatchHandler) or not (first or handler).joins(handler):
                break
            first = first or handler
            run.append((msg, envelope, handler))
        return run

    async def _try_batch(self, topic: str, taken: list[tuple[EventEnvelope, BatchHandler]]) -> bool:
        first = taken[0][1]
        try:
            items = [(h, e, e.payload()) for e, h in taken]
            if first.family is not None:
                await first.family.handle_run(items)
            else:
                await first.handle([(e, p) for _, e, p in items])
        except Exception as exc:
            log.info(
                "batch failed; handling its events one by one", size=len(taken), error=repr(exc)
            )
            return False
        self.handled += len(items)
        for event_type, count in Counter(e.type for e, _ in taken).items():
            EVENTS_CONSUMED.labels(self.service, topic, event_type, "handled").inc(count)
        return True

    async def handle(self, msg: ConsumerRecord[Any, Any]) -> None:
        try:
            envelope = EventEnvelope.from_json(msg.value)
        except Exception as exc:
            await self._dead_letter(msg, exc, attempts=1, event_type="unparseable")
            return
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return  # another service's business
        try:
            payload: EventPayload | None = envelope.payload()
        except (UnknownEventType, ValueError) as exc:
            await self._dead_letter(msg, exc, attempts=1, event_type=envelope.type)
            return
        attempt = outage_waits = 0
        with causal_context(envelope.correlationid, envelope.id):
            while True:
                attempt += 1
                try:
                    await handler(envelope, payload)
                    self.handled += 1
                    EVENTS_CONSUMED.labels(self.service, msg.topic, envelope.type, "handled").inc()
                    return
                except ConcurrencyConflict:
                    if attempt > self._max_retries + 10:
                        raise
                    await asyncio.sleep(0.005 * attempt)
                except PermanentError as exc:
                    await self._dead_letter(msg, exc, attempts=attempt, event_type=envelope.type)
                    return
                except Exception as exc:
                    if is_outage(exc):
                        # the store or the broker is down: the event is not at fault, so it
                        # waits (not counted against its retries) until they come back
                        attempt -= 1
                        outage_waits += 1
                        log.warning(
                            "store or broker unreachable; the event waits",
                            type=envelope.type,
                            id=envelope.id,
                            waits=outage_waits,
                            error=repr(exc),
                        )
                        await asyncio.sleep(min(5.0, 0.25 * outage_waits))
                        continue
                    if attempt > self._max_retries:
                        await self._dead_letter(
                            msg, exc, attempts=attempt, event_type=envelope.type
                        )
                        return
                    log.info(
                        "handler failed; retrying",
                        type=envelope.type,
                        id=envelope.id,
                        attempt=attempt,
                        error=repr(exc),
                    )
                    await asyncio.sleep(self._backoff_ms / 1000 * 2 ** (attempt - 1))

    async def _dead_letter(
        self, msg: ConsumerRecord[Any, Any], exc: BaseException, *, attempts: int, event_type: str
    ) -> None:
        log.error(
            "dead-lettering message",
            topic=msg.topic,
            partition=msg.partition,
            offset=msg.offset,
            error=repr(exc),
            type=event_type,
        )
        headers = (
            ("x-error-type", type(exc).__name__.encode()),
            ("x-error-message", str(exc)[:2000].encode()),
            ("x-original-topic", msg.topic.encode()),
            ("x-original-partition", str(msg.partition).encode()),
            ("x-original-offset", str(msg.offset).encode()),
            ("x-attempts", str(attempts).encode()),
            ("x-consumer-group", self.service.encode()),
            ("x-failed-at", datetime.now(UTC).isoformat().encode()),
        )
        key = msg.key.decode() if isinstance(msg.key, bytes) else str(msg.key or "")
        await self._bus.publish(
            OutgoingRecord(
                topic=self._dlq,
                key=key,
                value=msg.value or b"",
                event_type=event_type,
                headers=headers,
            )
        )
        self.dead_lettered += 1
        DLQ_MESSAGES.labels(self.service, msg.topic).inc()
        EVENTS_CONSUMED.labels(self.service, msg.topic, event_type, "dead_lettered").inc()

"""A small program that exercises the shared machinery end to end, used by the machinery's
integration tests and by `make bench`: a `Counter` aggregate commits `TallyIncremented` events
through its outbox; a relay publishes them; a consumer adds them to a `Tally` aggregate per key,
applying each event exactly once in effect. Each role can run as its own process:

    python -m megp_common.testing.tally relay    --db D --topic T
    python -m megp_common.testing.tally consumer --db D --topic T --group G

The consumer's environment: `TALLY_BATCH=1` a batch handler (one write per tally and run);
`TALLY_GATHER_MS` the runner's gather (`ConsumerRunner(gather_ms=)`, 0 by default);
`TALLY_EXIT_AFTER_RUN=1` the process ends (exit status 17, no clean-up, as a crash) once its
first run is written, before the runner commits that run's offsets.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from collections.abc import Callable

from pymongo.asynchronous.database import AsyncDatabase

from megp_common.aggregate import Aggregate
from megp_common.bus import KafkaBus
from megp_common.clock import SettableClock
from megp_common.consumer import BatchHandler, ConsumerRunner, PermanentError
from megp_common.events import EventEnvelope, EventPayload, event_type
from megp_common.handling import Planned, Recent, apply_once, batched
from megp_common.mongo import AggregateRepository, Document, OutboxWriter, make_client
from megp_common.outbox import OutboxRelay
from megp_common.retry import retry_until_ready


@event_type("testing.TallyIncremented")
class TallyIncremented(EventPayload):
    counter_id: str
    amount: int
    poison: bool = False


class Counter(Aggregate):
    value: int = 0

    def increment(self, amount: int, *, poison: bool = False) -> None:
        self.value += amount
        self.record(TallyIncremented(counter_id=self.id, amount=amount, poison=poison))


class Tally(Aggregate):
    total: int = 0
    count: int = 0


class CounterRepository(AggregateRepository[Counter]):
    collection = "counters"
    model = Counter


class TallyRepository(AggregateRepository[Tally]):
    collection = "tallies"
    model = Tally


def make_handler(tallies: TallyRepository, duplicates: list[str] | None = None):  # type: ignore[no-untyped-def]
    async def on_incremented(env: EventEnvelope, event: TallyIncremented) -> None:
        if event.poison:
            raise ValueError(f"poison event {env.id}: this handler can never apply it")

        def add(t: Tally) -> None:
            t.total += event.amount
            t.count += 1

        applied = await apply_once(
            tallies, event.counter_id, env.id, add, create=lambda: Tally(id=event.counter_id)
        )
        if not applied and duplicates is not None:
            duplicates.append(env.id)

    return on_incremented


#: the exit status of a consumer that ended itself after its first run (`TALLY_EXIT_AFTER_RUN`)
CRASH_EXIT = 17


def make_batch_handler(
    tallies: TallyRepository,
    *,
    remember: bool = True,
    after: Callable[[list[str]], object] | None = None,
) -> BatchHandler:
    """The same effect as `make_handler`, one write per tally per batch (and one read, unless
    the tally is the one this handler last committed: see `megp_common.handling.Recent`);
    `after` runs once a run is written (`batched`)."""
    recent: Recent[Tally] | None = Recent() if remember else None

    def plan(env: EventEnvelope, event: TallyIncremented) -> Planned[Tally]:
        def add(t: Tally) -> None:
            if event.poison:
                raise ValueError("poison event: this handler can never apply it")
            t.total += event.amount
            t.count += 1

        return Planned(event.counter_id, add)

    return batched(tallies, plan, create=lambda cid: Tally(id=cid), recent=recent, after=after)


def _crash(tally_ids: list[str]) -> None:
    """A crash between a run's write and its offsets' commit (`TALLY_EXIT_AFTER_RUN`)."""
    print(f"crashing after a run written for {tally_ids}", flush=True)
    os._exit(CRASH_EXIT)


def env_settings() -> tuple[str, str]:
    return (
        os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"),
        os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017/?retryWrites=false"),
    )


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_relay(db_name: str) -> None:
    kafka, mongo = env_settings()
    client = make_client(mongo)
    bus = KafkaBus(kafka, service="tally-relay")
    await retry_until_ready("Kafka", bus.start)
    relay = OutboxRelay(
        client[db_name],
        bus,
        [CounterRepository.collection],
        service="tally-relay",
        sweep_interval_s=0.2,
    )
    await relay.start()
    print("relay running", flush=True)
    await _wait_for_signal()
    await relay.stop()
    await bus.stop()


async def run_consumer(db_name: str, topic: str, group: str) -> None:
    kafka, mongo = env_settings()
    client = make_client(mongo)
    db: AsyncDatabase[Document] = client[db_name]
    bus = KafkaBus(kafka, service=group)
    await retry_until_ready("Kafka", bus.start)
    tallies = TallyRepository(db, OutboxWriter(service=group, topic=topic, clock=SettableClock()))
    runner = ConsumerRunner(
        service=group,
        bootstrap_servers=kafka,
        topics=[topic],
        handlers={
            TallyIncremented.event_type: (
                make_batch_handler(
                    tallies, after=_crash if os.environ.get("TALLY_EXIT_AFTER_RUN") else None
                )
                if os.environ.get("TALLY_BATCH")
                else make_handler(tallies)
            )
        },
        bus=bus,
        dead_letter_topic=f"{topic}.dlq",
        max_retries=2,
        backoff_ms=20,
        gather_ms=int(os.environ.get("TALLY_GATHER_MS", "0")),
    )
    await retry_until_ready("Kafka consumer group", runner.start)
    print("consumer running", flush=True)
    await _wait_for_signal()
    await runner.stop()
    await bus.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["relay", "consumer"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", default="tally")
    args = parser.parse_args()
    if args.role == "relay":
        asyncio.run(run_relay(args.db))
    else:
        asyncio.run(run_consumer(args.db, args.topic, args.group))


__all__ = ["PermanentError"]

if __name__ == "__main__":
    main()

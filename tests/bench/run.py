"""`make bench`: the platform's ceilings and the cost of its machinery, measured in one run.

(a) raw aiokafka produce -> consume: throughput (flood) and latency (paced);
(b) raw single-document updates in the store: sequential and concurrent; then the size of the
    store's SQLite write-ahead log after many single updates and after bulk writes of 500;
(c) the hop an event makes through the platform: aggregate commit with its outbox -> relay ->
    Kafka -> consumer applying it exactly once to another aggregate; events/s, p50/p99 latency,
    and its ratio to each ceiling.
Prints a table and writes JSON under .local/bench/. Numbers are measurements, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pymongo import UpdateOne

from megp_common.bus import KafkaBus, ensure_topics
from megp_common.clock import SettableClock
from megp_common.consumer import BatchHandler, ConsumerRunner
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter, make_client
from megp_common.outbox import OutboxRelay
from megp_common.settings import REPO_ROOT
from megp_common.testing.infra import provide_infra
from megp_common.testing.tally import (
    Counter,
    CounterRepository,
    TallyIncremented,
    TallyRepository,
    make_batch_handler,
)

#: the simulation `make bench` runs unless BENCH_SIMULATION_ARGS says otherwise: the national
#: default (22 states, 120 groups of 200 members, 40 months; about an hour on 2 cores, see
#: docs/simulation.md). Earlier sessions measured "--states 22 --groups 22 --members 20
#: --months 40 --seed 7" (440 participants, a few minutes).
DEFAULT_SIMULATION = "--seed 7"


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def progress(msg: str) -> None:
    print(f"  .. {msg}", flush=True)


async def kafka_ceiling(bootstrap: str, n: int, paced: int) -> dict[str, Any]:
    topic = f"bench.raw.{new_id()[-8:]}"
    await ensure_topics(bootstrap, [topic], partitions=6)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        max_batch_size=262144,
    )
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await producer.start()
    await consumer.start()
    payload = b"x" * 400
    latencies: list[float] = []
    received = 0
    total = n + paced

    async def consume() -> float:
        nonlocal received
        while received < total:
            for msgs in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                now = time.perf_counter()
                for m in msgs:
                    latencies.append(now - float(m.value[:20].decode()))
                received += len(msgs)
        return time.perf_counter()

    consuming = asyncio.create_task(consume())
    progress(f"kafka: flooding {n} messages")
    start = time.perf_counter()
    futures = []
    for i in range(n):
        stamp = f"{time.perf_counter():<20.6f}".encode()
        futures.append(await producer.send(topic, stamp + payload, key=str(i % 500).encode()))
    await asyncio.gather(*futures)
    produced = time.perf_counter()
    while received < n:
        await asyncio.sleep(0.01)
    flood_end = time.perf_counter()
    flood_lat = list(latencies)
    latencies.clear()
    progress(f"kafka: {paced} paced messages for latency")
    for i in range(paced):
        stamp = f"{time.perf_counter():<20.6f}".encode()
        await (await producer.send(topic, stamp + payload, key=str(i).encode()))
        await asyncio.sleep(0.002)
    await consuming
    await producer.stop()
    await consumer.stop()
    return {
        "messages": n,
        "produce_per_s": n / (produced - start),
        "produce_consume_per_s": n / (flood_end - start),
        "flood_latency_p50_ms": pct(flood_lat, 0.5) * 1000,
        "paced_latency_p50_ms": pct(latencies, 0.5) * 1000,
        "paced_latency_p99_ms": pct(latencies, 0.99) * 1000,
    }


async def store_ceiling(mongo: str, n: int, concurrency: int) -> dict[str, Any]:
    client = make_client(mongo)
    db = client[f"megp_bench_{new_id()[-8:]}"]
    col = db["docs"]
    await col.insert_many([{"_id": f"doc-{i}", "v": 0} for i in range(1000)])
    progress(f"store: {n} sequential single-document updates")
    start = time.perf_counter()
    for i in range(n):
        await col.update_one({"_id": f"doc-{i % 1000}"}, {"$inc": {"v": 1}})
    sequential = n / (time.perf_counter() - start)
    progress(f"store: {n} updates from {concurrency} concurrent writers")

    async def writer(k: int) -> None:
        for i in range(k, n, concurrency):
            await col.update_one({"_id": f"doc-{i % 1000}"}, {"$inc": {"v": 1}})

    start = time.perf_counter()
    await asyncio.gather(*(writer(k) for k in range(concurrency)))
    concurrent = n / (time.perf_counter() - start)
    await client.drop_database(db.name)
    await client.close()
    return {
        "updates": n,
        "sequential_per_s": sequential,
        "concurrent_per_s": concurrent,
        "concurrency": concurrency,
    }


def store_data_dir() -> Path | None:
    """Where deploy/local/store.sh keeps the store's files, when the store is that one."""
    if os.environ.get("MONGO_URL"):
        return None  # a store elsewhere: its files are not ours to read
    local = Path(os.environ.get("MEGP_LOCAL_DIR") or REPO_ROOT / ".local")
    return local / "store"


def mib(size: int | None) -> str:
    return "n/a" if size is None else f"{size / 2**20:,.1f} MiB"


def wal_bytes(data_dir: Path | None, database: str) -> int | None:
    """Size of a database's SQLite write-ahead log (FerretDB's SQLite backend), None without one."""
    if data_dir is None:
        return None
    wal = data_dir / f"{database}.sqlite-wal"
    return wal.stat().st_size if wal.exists() else 0


async def store_wal(
    mongo: str, sequential: int, bulk_batches: int, bulk_size: int, bulk_timeout_s: float
) -> dict[str, Any]:
    """(b') what the store's updates leave behind: the SQLite WAL after `sequential` single
    updates and after bulk writes of `bulk_size` UpdateOne statements (FerretDB v1 as released
    kept every statement's read open until the whole command ended: a bulk write of 100 or more
    statements never returned, and the open reads kept SQLite from resetting its WAL)."""
    data_dir = store_data_dir()
    client = make_client(mongo)
    db = client[f"megp_bench_wal_{new_id()[-8:]}"]
    col = db["docs"]
    docs = 1000
    await col.insert_many([{"_id": f"doc-{i}", "v": 0, "pad": "x" * 200} for i in range(docs)])
    progress(f"store WAL: {sequential} sequential updates")
    start = time.perf_counter()
    for i in range(sequential):
        await col.update_one({"_id": f"doc-{i % docs}"}, {"$inc": {"v": 1}})
    sequential_per_s = sequential / (time.perf_counter() - start)
    await asyncio.sleep(0.5)
    wal_after_sequential = wal_bytes(data_dir, db.name)
    progress(f"store WAL: {bulk_batches} bulk writes of {bulk_size} UpdateOne")
    bulk_done = 0
    bulk_error = None
    start = time.perf_counter()
    for b in range(bulk_batches):
        ops = [
            UpdateOne({"_id": f"doc-{(b * bulk_size + i) % docs}"}, {"$inc": {"v": 1}})
            for i in range(bulk_size)
        ]
        try:
            await asyncio.wait_for(col.bulk_write(ops, ordered=True), bulk_timeout_s)
        except TimeoutError:
            bulk_error = f"a bulk write did not return within {bulk_timeout_s:.0f} s"
            break
        bulk_done += 1
    bulk_elapsed = time.perf_counter() - start
    await asyncio.sleep(0.5)
    wal_after_bulk = wal_bytes(data_dir, db.name)
    await client.close()
    if bulk_error is None:  # a hung store would not answer the drop either
        cleanup = make_client(mongo)
        await cleanup.drop_database(db.name)
        await cleanup.close()
    return {
        "documents": docs,
        "sequential_updates": sequential,
        "sequential_per_s": sequential_per_s,
        "wal_after_sequential_bytes": wal_after_sequential,
        "bulk_size": bulk_size,
        "bulk_writes_done": bulk_done,
        "bulk_updates_per_s": bulk_done * bulk_size / bulk_elapsed if bulk_done else 0.0,
        "bulk_error": bulk_error,
        "wal_after_bulk_bytes": wal_after_bulk,
    }


async def hop(
    bootstrap: str, mongo: str, counters: int, per_counter: int, concurrency: int
) -> dict[str, Any]:
    suffix = new_id()[-8:]
    topic = f"bench.hop.{suffix}"
    await ensure_topics(bootstrap, [topic, f"{topic}.dlq"], partitions=6)
    client = make_client(mongo)
    db = client[f"megp_bench_hop_{suffix}"]
    bus = KafkaBus(bootstrap, service="bench-hop")
    await bus.start()
    writer = OutboxWriter(service="bench", topic=topic, clock=SettableClock())
    relay = OutboxRelay(db, bus, ["counters"], service="bench", sweep_interval_s=5)
    writer.notify = relay.notify
    repo, tallies = CounterRepository(db, writer), TallyRepository(db, writer)
    latencies: list[float] = []
    inner = make_batch_handler(tallies)

    async def timed(items: list[tuple[Any, TallyIncremented]]) -> None:
        await inner.handle(items)
        now = datetime.now(UTC)
        latencies.extend((now - env.time).total_seconds() for env, _ in items)

    runner = ConsumerRunner(
        service=f"bench-{suffix}",
        bootstrap_servers=bootstrap,
        topics=[topic],
        handlers={TallyIncremented.event_type: BatchHandler(timed)},
        bus=bus,
        dead_letter_topic=f"{topic}.dlq",
    )
    writes = {"commit": 0, "clear": 0, "apply": 0}

    def counting(kind: str, fn: Any) -> Any:
        async def wrapped(*a: Any, **kw: Any) -> Any:
            writes[kind] += 1
            return await fn(*a, **kw)

        return wrapped

    repo.add, repo.save = counting("commit", repo.add), counting("commit", repo.save)  # type: ignore[method-assign]
    tallies.add = counting("apply", tallies.add)  # type: ignore[method-assign]
    tallies.save = counting("apply", tallies.save)  # type: ignore[method-assign]
    relay._clear = counting("clear", relay._clear)  # type: ignore[method-assign]
    await relay.start()
    await runner.start()
    total = counters * per_counter
    progress(
        f"hop: {total} events ({counters} aggregates x {per_counter}), "
        f"{concurrency} concurrent committers"
    )
    start = time.perf_counter()

    async def committer(k: int) -> None:
        for cid in range(k, counters, concurrency):
            counter = Counter(id=f"c{cid}")
            counter.increment(1)
            await repo.add(counter)
            for _ in range(per_counter - 1):
                counter.increment(1)
                await repo.save(counter)

    await asyncio.gather(*(committer(k) for k in range(concurrency)))
    committed = time.perf_counter()
    last_report = time.perf_counter()
    while len(latencies) < total:
        await asyncio.sleep(0.05)
        if time.perf_counter() - last_report > 5:
            progress(f"hop: {len(latencies)}/{total} applied")
            last_report = time.perf_counter()
        if time.perf_counter() - committed > 300:
            raise RuntimeError(f"hop stalled at {len(latencies)}/{total}")
    end = time.perf_counter()
    await runner.stop()
    await relay.stop()
    await bus.stop()
    await client.drop_database(db.name)
    await client.close()
    return {
        "events": total,
        "commit_per_s": total / (committed - start),
        "events_per_s": total / (end - start),
        "latency_p50_ms": pct(latencies, 0.5) * 1000,
        "latency_p99_ms": pct(latencies, 0.99) * 1000,
        "latency_mean_ms": statistics.fmean(latencies) * 1000,
        "store_writes_per_event": {k: v / total for k, v in writes.items()},
    }


def run_simulation(arguments: str) -> dict[str, Any]:
    """(d) the national simulation as its own command (it starts the services as processes, so
    their peak memory can be read); its progress bars show as it goes."""
    argv = [sys.executable, "-m", "megp_simulation", *shlex.split(arguments)]
    progress(f"simulation: {' '.join(argv[1:])}")
    started = time.monotonic()
    done = subprocess.run(argv, cwd=REPO_ROOT)
    latest = REPO_ROOT / ".local" / "simulation" / "latest.json"
    summary: dict[str, Any] = json.loads(latest.read_text())
    summary["bench_wall_s"] = round(time.monotonic() - started, 1)
    summary["bench_exit_code"] = done.returncode
    return summary


def simulation_rows(s: dict[str, Any]) -> list[tuple[str, str, str]]:
    p, e = s["participants"], s["events"]
    failed = [c["name"] for c in s["checks"] if not c["ok"]]
    rows = [
        (
            "simulation",
            f"{p['total']:,} participants",
            f"{p['groups']} groups, {len(p['states'])} states, {s['calendar']['months']} months",
        ),
        (
            "simulation wall time",
            f"{s['bench_wall_s']:,.0f} s",
            f"setup {s['elapsed_s'].get('setup_s', 0):.0f} s, "
            f"months {s['elapsed_s'].get('months_s', 0):.0f} s",
        ),
        ("simulation events", f"{e['per_second']:,.1f} ev/s", f"{e['ours_total']:,} events"),
        (
            "simulation invariants",
            "all hold" if not failed else f"{len(failed)} FAILED",
            ", ".join(failed),
        ),
    ]
    for name, mib in (s.get("peak_rss_mib") or {}).items():
        rows.append((f"peak memory {name}", f"{mib:,.0f} MiB", ""))
    return rows


async def main(args: argparse.Namespace) -> None:
    with provide_infra() as infra:
        print(f"bench on {platform.node()} ({os.cpu_count()} cores), servers from {infra.source}")
        kafka = await kafka_ceiling(infra.kafka, args.kafka_messages, args.paced)
        store = await store_ceiling(infra.mongo, args.store_updates, 16)
        wal = await store_wal(infra.mongo, args.wal_updates, args.wal_bulk_writes, 500, 120)
        hop_result = await hop(infra.kafka, infra.mongo, args.aggregates, args.per_aggregate, 16)
    store_best = max(store["sequential_per_s"], store["concurrent_per_s"])
    hop_result["ratio_to_kafka"] = hop_result["events_per_s"] / kafka["produce_consume_per_s"]
    hop_result["ratio_to_store"] = hop_result["events_per_s"] / store_best
    rows = [
        (
            "kafka produce->consume (flood)",
            f"{kafka['produce_consume_per_s']:,.0f} msg/s",
            f"p50 {kafka['flood_latency_p50_ms']:.1f} ms (queued)",
        ),
        (
            "kafka paced latency",
            "",
            f"p50 {kafka['paced_latency_p50_ms']:.2f} ms, "
            f"p99 {kafka['paced_latency_p99_ms']:.2f} ms",
        ),
        ("store updates, sequential", f"{store['sequential_per_s']:,.0f} upd/s", ""),
        ("store updates, 16 writers", f"{store['concurrent_per_s']:,.0f} upd/s", ""),
        (
            "store bulk writes of 500",
            f"{wal['bulk_updates_per_s']:,.0f} upd/s",
            wal["bulk_error"] or f"{wal['bulk_writes_done']} bulk writes",
        ),
        (
            "store WAL after updates",
            mib(wal["wal_after_sequential_bytes"]),
            f"after {wal['sequential_updates']:,} single updates "
            f"({wal['sequential_per_s']:,.0f} upd/s); {mib(wal['wal_after_bulk_bytes'])} "
            "after the bulk writes",
        ),
        (
            "hop outbox->kafka->consumer",
            f"{hop_result['events_per_s']:,.0f} ev/s",
            f"p50 {hop_result['latency_p50_ms']:.1f} ms, p99 {hop_result['latency_p99_ms']:.1f} ms",
        ),
        (
            "hop store writes per event",
            " + ".join(f"{k} {v:.2f}" for k, v in hop_result["store_writes_per_event"].items()),
            "",
        ),
        ("hop / kafka ceiling", f"{hop_result['ratio_to_kafka']:.3f}", ""),
        ("hop / store ceiling", f"{hop_result['ratio_to_store']:.3f}", "goal >= 0.5"),
    ]
    simulation = run_simulation(args.simulation) if args.simulation else None
    if simulation is not None:
        rows += simulation_rows(simulation)
    print()
    for name, rate, lat in rows:
        print(f"  {name:<32} {rate:>16}   {lat}")
    result = {
        "when": datetime.now(UTC).isoformat(),
        "machine": platform.node(),
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "kafka": kafka,
        "store": store,
        "store_wal": wal,
        "hop": hop_result,
        "simulation": simulation,
    }
    out = REPO_ROOT / ".local" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"foundation-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"\nwrote {path.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kafka-messages", type=int, default=100_000)
    parser.add_argument("--paced", type=int, default=1_000)
    parser.add_argument("--store-updates", type=int, default=5_000)
    parser.add_argument("--wal-updates", type=int, default=20_000)
    parser.add_argument("--wal-bulk-writes", type=int, default=20)
    parser.add_argument("--aggregates", type=int, default=200)
    parser.add_argument("--per-aggregate", type=int, default=25)
    parser.add_argument(
        "--simulation",
        default=os.environ.get("BENCH_SIMULATION_ARGS", DEFAULT_SIMULATION),
        help="arguments of the simulation run measured last; empty to skip it",
    )
    asyncio.run(main(parser.parse_args()))

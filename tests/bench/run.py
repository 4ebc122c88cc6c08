"""`make bench`: the platform's ceilings and the cost of its machinery, measured in one run.

(a) raw aiokafka produce -> consume: throughput (flood) and latency (paced);
(b) raw single-document updates in the store: sequential and concurrent small `$inc`s, and
    concurrent conditional updates of documents of the hop's own size (a Counter's state with
    one ~520-byte outbox entry: the ceiling the hop's goal is measured against, both sides
    writing the same document); then the size of the
    store's SQLite write-ahead log after many single updates and after bulk writes of 500;
(c) the hop an event makes through the platform: aggregate commit with its outbox -> relay ->
    Kafka -> consumer applying it exactly once to another aggregate; events/s, p50/p99 latency,
    and its ratio to each ceiling;
(e) deposits to one fund over HTTP from many concurrent clients (the funds service as its own
    process): deposits/s and how many were refused, at each client count of --fund-clients;
(f) orders on the marketplace over HTTP (the trade service as its own process): each client
    places an order of one or two lines over a pool of products with ample stock (every line
    reserved) and pays it, one after another; orders placed and paid per second, p50/p99 of
    placing and of paying, refusals by status, at each client count of --order-clients, and
    the ratio to the store's ceiling measured in the same run;
(c') the hop with 1 and 2 consumer processes in one consumer group: events/s, the rebalance
    pause, each event applied once, the store writes per event and the CPU per event of each
    process (tests/bench/hop_stage.py);
(g) webhook deliveries (the webhooks service as its own process) to a local receiver at each
    subscriber count of --webhook-subscribers: deliveries/s and the lag from an event's commit
    (its timestamp) to its arrival, p50/p99 (tests/bench/webhooks_stage.py).
(h) the simulation at each scale of --scales (participant-months per second at each, and the
    ratio of the largest scale's to the smallest's: flat cost means a ratio near 1);
(d) the national simulation (--simulation; empty skips it).
Prints a table and writes JSON under .local/bench/. Numbers are measurements, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shlex
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from hop_stage import hop_process_rows, hop_scaling, watch_writes
from pymongo import UpdateOne
from webhooks_stage import webhook_deliveries, webhook_rows

from megp_common.auth import AuthConfig, Role, local_secret, mint_token
from megp_common.bus import KafkaBus, OutgoingRecord, ensure_topics
from megp_common.clock import SettableClock
from megp_common.consumer import BatchHandler, ConsumerRunner
from megp_common.contracts import enrollment
from megp_common.events import make_event
from megp_common.ids import new_id
from megp_common.launcher import Platform
from megp_common.mongo import OUTBOX_FLAG, OutboxWriter, make_client
from megp_common.outbox import OutboxRelay
from megp_common.settings import REPO_ROOT, ServiceSettings
from megp_common.testing.infra import provide_infra
from megp_common.testing.tally import (
    Counter,
    CounterRepository,
    TallyIncremented,
    TallyRepository,
    make_batch_handler,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from console_pages import console_pages, console_rows, header_factory

#: the simulation `make bench` runs unless BENCH_SIMULATION_ARGS says otherwise: the national
#: default (22 states, 120 groups of 200 members, 40 months; about an hour on 2 cores, see
#: docs/simulation.md). Earlier sessions measured "--states 22 --groups 22 --members 20
#: --months 40 --seed 7" (440 participants, a few minutes).
DEFAULT_SIMULATION = "--seed 7"
#: the scales of stage (h), each "<groups>x<members>" or a participant count (groups of 20):
#: by default 440, 880 and 1,760 participants (each the double of the one before, as the first
#: year doubles the programme [¶100]) at --scale-months 6, so that `make bench` ends in well
#: under an hour here (2,400 at 12 months alone took about 25 minutes under other workers'
#: load; docs/simulation.md). The issue's measure is 440, 24,000 and 48,000:
#: `--scales 22x20,120x200,240x200 --scale-months 12` (hours on this machine).
DEFAULT_SCALES = "22x20,44x20,88x20"


def parse_scale(spec: str) -> tuple[int, int, int]:
    """(states, groups, members) of one --scales entry: "<groups>x<members>", or a participant
    count in groups of 20; a state per group up to 22."""
    if "x" in spec:
        groups, members = (int(n) for n in spec.split("x"))
    else:
        members = 20
        groups = max(1, int(spec) // members)
    return min(22, groups), groups, members


def run_scales(specs: list[str], months: int, seed: int) -> list[dict[str, Any]]:
    """(h) the simulation at each scale, one after another, each its own command."""
    out = []
    for spec in specs:
        states, groups, members = parse_scale(spec)
        args = (
            f"--states {states} --groups {groups} --members {members} --months {months} "
            f"--seed {seed} --quiet"
        )
        try:
            s = run_simulation(args)
        except RuntimeError as failed:
            progress(str(failed))
            out.append({"scale": spec, "failed": str(failed)})
            continue
        out.append(
            {
                "scale": spec,
                "participants": s["participants"]["total"],
                "months": months,
                "participant_months_per_second": s["participant_months_per_second"],
                "wall_s": s["bench_wall_s"],
                "months_s": s["elapsed_s"].get("months_s"),
                "events_per_s": s["events"]["per_second"],
                "invariants_hold": all(c["ok"] for c in s["checks"]),
                "peak_rss_mib": s.get("peak_rss_mib") or {},
                "exit_code": s["bench_exit_code"],
            }
        )
    return out


def scale_rows(results: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    rows = []
    failed = [r for r in results if "failed" in r]
    rows += [(f"scale {r['scale']}", "FAILED", r["failed"]) for r in failed]
    results = [r for r in results if "failed" not in r]
    for r in results:
        peaks = r["peak_rss_mib"]
        services = {k: v for k, v in peaks.items() if k not in ("driver", "kafka", "store")}
        busiest = max(services.items(), key=lambda kv: kv[1], default=("-", 0))
        rows.append(
            (
                f"scale {r['participants']:,} x {r['months']} months",
                f"{r['participant_months_per_second']:,.1f} pm/s",
                f"wall {r['wall_s']:,.0f} s, {r['events_per_s']:,.1f} ev/s, driver "
                f"{peaks.get('driver', 0):,.0f} MiB, largest service {busiest[0]} "
                f"{busiest[1]:,.0f} MiB, "
                + ("invariants hold" if r["invariants_hold"] else "INVARIANTS FAILED"),
            )
        )
    if len(results) > 1:
        small, large = results[0], results[-1]
        ratio = large["participant_months_per_second"] / small["participant_months_per_second"]
        rows.append(
            (
                "scales largest / smallest",
                f"{ratio:.2f}",
                f"{large['participants']:,} / {small['participants']:,} participants "
                "(goal: within 20 %, >= 0.80)",
            )
        )
    return rows


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
    commit_sized = await commit_sized_ceiling(db, n, concurrency)
    await client.drop_database(db.name)
    await client.close()
    return {
        "updates": n,
        "sequential_per_s": sequential,
        "concurrent_per_s": concurrent,
        "commit_sized_per_s": commit_sized,
        "concurrency": concurrency,
    }


def commit_ceiling_rows(store: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (
            "store, the hop's write, 16 wr.",
            f"{store['commit_sized_per_s']:,.0f} upd/s",
            "conditional update of a Counter with one outbox entry",
        )
    ]


def hop_ratio_rows(
    hopped: list[dict[str, Any]], store: dict[str, Any]
) -> list[tuple[str, str, str]]:
    """Each hop figure over both ceilings: the store's best small `$inc` and its ceiling for
    a write of the hop's own size (the goal's measure: both sides write the same document)."""
    best = max(store["sequential_per_s"], store["concurrent_per_s"])
    rows = []
    for r in hopped:
        rows.append(
            (
                f"hop x{r['processes']} / commit-sized",
                f"{r['events_per_s'] / store['commit_sized_per_s']:.3f}",
                f"goal >= 0.5; over the small $inc: {r['events_per_s'] / best:.3f}",
            )
        )
    return rows


async def commit_sized_ceiling(db: Any, n: int, concurrency: int, aggregates: int = 200) -> float:
    """The store's concurrent ceiling for the hop's own write: `concurrency` writers, each a
    conditional update (`_id` and `version`) setting a `Counter`'s state and one outbox entry
    as the hop's commits make them (OutboxWriter's envelope, about 520 bytes), on as many
    aggregates as the hop commits to. Raw pymongo, like the small `$inc` above: it measures the
    store taking documents of the hop's size, not the committing code. The hop's own outbox
    holds more than one entry between clearings; that cost is the hop's and stays on its side."""
    col = db["commits"]
    writer = OutboxWriter(service="bench", topic="bench.ceiling", clock=SettableClock())
    entries = []
    for i in range(aggregates):
        counter = Counter(id=f"c{i}")
        counter.increment(1)
        entries.append(writer.entries(counter))
    await col.insert_many(
        [
            {"_id": f"c{i}", "version": 0, "applied": [], "value": 0, "outbox": []}
            for i in range(aggregates)
        ]
    )
    versions = [0] * aggregates
    progress(f"store: {n} commit-sized conditional updates from {concurrency} writers")

    async def committer(k: int) -> None:  # like the hop's: each aggregate has one committer
        mine = list(range(k, aggregates, concurrency))
        for j in range(len(range(k, n, concurrency))):
            a = mine[j % len(mine)]
            v = versions[a]
            state = {"version": v + 1, "value": v + 1, "applied": [], OUTBOX_FLAG: "pending"}
            result = await col.update_one(
                {"_id": f"c{a}", "version": v}, {"$set": state | {"outbox": entries[a]}}
            )
            assert result.matched_count == 1
            versions[a] = v + 1

    start = time.perf_counter()
    await asyncio.gather(*(committer(k) for k in range(concurrency)))
    return n / (time.perf_counter() - start)


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
    writes = watch_writes(f"megp_bench_hop_{suffix}")  # per command, as stage (c') counts
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
        "store_writes_per_event": {
            k: writes.commands[k] / total for k in ("commit", "relay", "apply")
        },
    }


async def _open_fund(bootstrap: str, url: str, members: list[str], read: dict[str, str]) -> str:
    """Announce a formed group on enrollment.events and wait until the funds service opened it."""
    group_id, at = f"g-bench-{new_id()[-10:]}", datetime.now(UTC)
    formed = enrollment.ProjectGroupFormed(
        group_id=group_id, project_id=f"pr-{group_id}", name="Bench", state_code="09",
        municipality="Coyoacán", odf_id="odf-bench", odf_legal_name="Bench ODF SA",
        rfc="BOD010101AAA", trust_bank="Banorte", member_participant_ids=members, formed_at=at,
    )  # fmt: skip
    env = make_event(formed, source="/megp/enrollment", key=group_id, time=at, state="09")
    bus = KafkaBus(bootstrap, service="bench-funds")
    await bus.start()
    try:
        await bus.publish_many(
            [OutgoingRecord("enrollment.events", env.partitionkey, env.to_json(), env.type)]
        )
    finally:
        await bus.stop()
    async with httpx.AsyncClient(base_url=url, headers=read) as client:
        deadline = time.monotonic() + 60
        while (await client.get(f"/v1/funds/{group_id}")).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the funds service did not open {group_id}")
            await asyncio.sleep(0.2)
    return group_id


async def _flood(
    url: str, headers: dict[str, str], group_id: str, members: list[str], n: int, per_client: int
) -> dict[str, Any]:
    statuses: dict[int, int] = {}
    without_retry_after = 0
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120, limits=limits) as http:

        async def client(k: int) -> None:
            nonlocal without_retry_after
            for i in range(per_client):
                line = {"participant_id": members[(k + i) % len(members)], "amount": "10"}
                key = {"Idempotency-Key": f"bench-{group_id}-{k}-{i}"}
                began = time.perf_counter()
                resp = await http.post(f"/v1/funds/{group_id}/deposits", json=line, headers=key)
                latencies.append(time.perf_counter() - began)
                statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
                if resp.status_code != 201 and "retry-after" not in resp.headers:
                    without_retry_after += 1

        start = time.perf_counter()
        await asyncio.gather(*(client(k) for k in range(n)))
        elapsed = time.perf_counter() - start
    accepted = statuses.get(201, 0)
    return {
        "clients": n,
        "requests": n * per_client,
        "accepted": accepted,
        "refused": n * per_client - accepted,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "refused_without_retry_after": without_retry_after,
        "accepted_per_s": accepted / elapsed,
        "latency_p50_ms": pct(latencies, 0.5) * 1000,
        "latency_p99_ms": pct(latencies, 0.99) * 1000,
    }


async def fund_deposits(
    bootstrap: str, mongo: str, clients: list[int], per_client: int
) -> list[dict[str, Any]]:
    """(e) Deposits to one fund from `n` concurrent clients, each posting `per_client` deposits
    one after another with its own Idempotency-Keys, for each `n` of `clients` (a fresh fund
    each). A refusal is counted by status, with whether it said when to retry; nothing is
    retried. The ledger check afterwards says whether every accepted deposit is in the journal."""
    settings = ServiceSettings()
    auth = AuthConfig(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        secret=local_secret(settings.jwt_secret_file),
    )

    def bearer(role: Role) -> dict[str, str]:
        return {"Authorization": "Bearer " + mint_token(auth, "bench", [role], ["*"])}

    staff, read = bearer(Role.ODF_STAFF), bearer(Role.PROGRAMME_SUPERVISOR)
    env = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "MONGO_URL": mongo, "ENVIRONMENT": "test"}
    running = Platform(env, ["funds"])
    progress("funds: starting the funds service")
    running.start()
    url = running.processes["funds"].url
    out = []
    try:
        for n in clients:
            members = [f"p-bench-{new_id()[-10:]}" for _ in range(8)]
            group_id = await _open_fund(bootstrap, url, members, read)
            progress(f"funds: {n} clients x {per_client} deposits to fund {group_id}")
            before = await _store_commands(url)
            result = await _flood(url, staff, group_id, members, n, per_client)
            await asyncio.sleep(2.5)  # the journal copier's window and the relay's, included
            after = await _store_commands(url)
            per = max(result["accepted"], 1)
            spent = {k: (v - before.get(k, 0)) / per for k, v in after.items()}
            result["store_commands_per_deposit"] = {
                k: round(v, 2) for k, v in sorted(spent.items()) if v >= 0.005
            }
            result["store_commands_per_deposit_total"] = round(sum(spent.values()), 2)
            async with httpx.AsyncClient(base_url=url, headers=read, timeout=60) as http:
                check = (await http.get(f"/v1/funds/{group_id}/ledger-check")).json()
            result["journal_entries"] = check["entries"]
            result["ledger_consistent"] = check["consistent"]
            out.append(result)
    finally:
        running.stop()
    return out


async def _store_commands(url: str) -> dict[str, float]:
    """The funds process's store commands so far, by "collection command" (its /metrics)."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        text = (await http.get("/metrics")).text
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line.startswith("megp_store_commands_total{"):
            continue
        labels, value = line[len("megp_store_commands_total{") :].rsplit("} ", 1)
        parts = dict(kv.split("=", 1) for kv in labels.split(","))
        key = f"{parts['collection'].strip(chr(34))} {parts['command'].strip(chr(34))}"
        out[key] = out.get(key, 0.0) + float(value)
    return out


def fund_rows(results: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [
        (
            f"deposits to one fund, {r['clients']} clients",
            f"{r['accepted_per_s']:,.1f} dep/s",
            f"{r['refused']}/{r['requests']} refused "
            f"({r['refused_without_retry_after']} without Retry-After), "
            f"p50 {r['latency_p50_ms']:.0f} ms, p99 {r['latency_p99_ms']:.0f} ms, "
            f"{r.get('store_commands_per_deposit_total', float('nan')):.1f} store commands/dep",
        )
        for r in results
    ]


def _bench_tokens() -> Any:
    settings = ServiceSettings()
    auth = AuthConfig(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        secret=local_secret(settings.jwt_secret_file),
    )

    def bearer(role: Role, subject: str = "bench") -> dict[str, str]:
        return {"Authorization": "Bearer " + mint_token(auth, subject, [role], ["*"])}

    return bearer


async def _trade_group(
    bootstrap: str, url: str, staff: dict[str, str], pool: int
) -> tuple[str, list[str]]:
    """Announce a formed group on enrollment.events, then list `pool` products of its members
    (each with QUANTITY_MAX units: the stock never runs short) once trade has heard of it."""
    members = [f"p-bench-{new_id()[-10:]}" for _ in range(8)]
    group_id, at = f"g-bench-{new_id()[-10:]}", datetime.now(UTC)
    formed = enrollment.ProjectGroupFormed(
        group_id=group_id, project_id=f"pr-{group_id}", name="Bench", state_code="09",
        municipality="Coyoacán", odf_id="odf-bench", odf_legal_name="Bench ODF SA",
        rfc="BOD010101AAA", trust_bank="Banorte", member_participant_ids=members, formed_at=at,
    )  # fmt: skip
    env = make_event(formed, source="/megp/enrollment", key=group_id, time=at, state="09")
    bus = KafkaBus(bootstrap, service="bench-trade")
    await bus.start()
    try:
        await bus.publish_many(
            [OutgoingRecord("enrollment.events", env.partitionkey, env.to_json(), env.type)]
        )
    finally:
        await bus.stop()
    products = []
    async with httpx.AsyncClient(base_url=url, headers=staff, timeout=60) as client:
        deadline = time.monotonic() + 60
        for i in range(pool):
            body = {
                "group_id": group_id, "producer_id": members[i % len(members)],
                "name": f"bench product {i}", "category": "crafts", "niche": "online",
                "unit": "piece", "price_mxn": f"{100 + i}.{i % 100:02d}", "stock": 1_000_000,
            }  # fmt: skip
            while True:
                key = {"Idempotency-Key": f"bench-product-{group_id}-{i}"}
                resp = await client.post("/v1/products", json=body, headers=key)
                if resp.status_code == 201:
                    products.append(resp.json()["id"])
                    break
                if resp.status_code != 404 or time.monotonic() > deadline:
                    raise RuntimeError(f"trade did not list a product: {resp.text}")
                await asyncio.sleep(0.2)  # trade has not consumed the group's formation yet
    return group_id, products


async def _order_flood(
    url: str, bearer: Any, products: list[str], n: int, per_client: int
) -> dict[str, Any]:
    placed: dict[int, int] = {}
    paid: dict[int, int] = {}
    place_lat: list[float] = []
    pay_lat: list[float] = []
    units = {"reserved": 0, "paid": 0}
    tag = new_id()[-8:]
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:

        async def client(k: int) -> None:
            r = random.Random(k)
            headers = bearer(Role.PARTICIPANT, f"bench-buyer-{tag}-{k}")
            for i in range(per_client):
                picked = r.sample(products, 2 if r.random() < 0.5 else 1)
                lines: list[dict[str, Any]] = [
                    {"product_id": p, "quantity": r.randint(1, 3)} for p in picked
                ]
                key = {"Idempotency-Key": f"bench-order-{tag}-{k}-{i}"}
                began = time.perf_counter()
                resp = await http.post("/v1/orders", json={"lines": lines}, headers=headers | key)
                place_lat.append(time.perf_counter() - began)
                placed[resp.status_code] = placed.get(resp.status_code, 0) + 1
                if resp.status_code != 201:
                    continue
                order = resp.json()
                units["reserved"] += sum(x["quantity"] for x in lines)
                key = {"Idempotency-Key": f"bench-pay-{tag}-{k}-{i}"}
                began = time.perf_counter()
                resp = await http.post(
                    f"/v1/orders/{order['id']}/payment",
                    json={"amount": order["total"]},
                    headers=headers | key,
                )
                pay_lat.append(time.perf_counter() - began)
                paid[resp.status_code] = paid.get(resp.status_code, 0) + 1
                if resp.status_code == 200:
                    units["paid"] += sum(x["quantity"] for x in lines)

        start = time.perf_counter()
        await asyncio.gather(*(client(k) for k in range(n)))
        elapsed = time.perf_counter() - start
    orders_paid = paid.get(200, 0)
    requests = n * per_client
    return {
        "clients": n,
        "orders": requests,
        "placed": placed.get(201, 0),
        "paid": orders_paid,
        "refused": requests - orders_paid,
        "place_statuses": {str(k): v for k, v in sorted(placed.items())},
        "pay_statuses": {str(k): v for k, v in sorted(paid.items())},
        "units_paid": units["paid"],
        "elapsed_s": elapsed,
        "orders_per_s": orders_paid / elapsed,
        "requests_per_s": (sum(placed.values()) + sum(paid.values())) / elapsed,
        "place_p50_ms": pct(place_lat, 0.5) * 1000,
        "place_p99_ms": pct(place_lat, 0.99) * 1000,
        "pay_p50_ms": pct(pay_lat, 0.5) * 1000,
        "pay_p99_ms": pct(pay_lat, 0.99) * 1000,
    }


async def trade_orders(
    bootstrap: str, mongo: str, clients: list[int], per_client: int, pool: int
) -> list[dict[str, Any]]:
    """(f) Orders from `n` concurrent buyers, each placing `per_client` orders one after another
    (one or two lines over `pool` products, 1-3 units a line, every line reserved) and paying
    each at once, for each `n` of `clients` (a fresh group and pool each). Refusals are counted
    by status, nothing is retried. Afterwards the products' counters say whether every paid
    unit was sold once and none went below zero."""
    bearer = _bench_tokens()
    staff, read = bearer(Role.ODF_STAFF), bearer(Role.PROGRAMME_SUPERVISOR)
    env = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "MONGO_URL": mongo, "ENVIRONMENT": "test"}
    running = Platform(env, ["trade"])
    progress("trade: starting the trade service")
    running.start()
    url = running.processes["trade"].url
    out = []
    try:
        for n in clients:
            group_id, products = await _trade_group(bootstrap, url, staff, pool)
            progress(f"trade: {n} clients x {per_client} orders over {pool} products")
            result = await _order_flood(url, bearer, products, n, per_client)
            async with httpx.AsyncClient(base_url=url, headers=read, timeout=60) as http:
                listed = (
                    await http.get("/v1/products", params={"group_id": group_id, "limit": 500})
                ).json()
            counters = [p["stock"] for p in listed]
            result["products"] = pool
            result["units_sold"] = sum(c["sold"] for c in counters)
            result["stock_never_negative"] = all(
                min(c["available"], c["reserved"], c["sold"]) >= 0 for c in counters
            )
            result["sold_equals_paid"] = result["units_sold"] == result["units_paid"]
            out.append(result)
    finally:
        running.stop()
    return out


def order_rows(results: list[dict[str, Any]], store_best: float) -> list[tuple[str, str, str]]:
    return [
        (
            f"orders placed+paid, {r['clients']} clients",
            f"{r['orders_per_s']:,.1f} ord/s",
            f"{r['refused']}/{r['orders']} refused {r['place_statuses']} {r['pay_statuses']}, "
            f"place p50 {r['place_p50_ms']:.0f} ms p99 {r['place_p99_ms']:.0f} ms, "
            f"pay p50 {r['pay_p50_ms']:.0f} ms p99 {r['pay_p99_ms']:.0f} ms, "
            f"{r['orders_per_s'] / store_best:.4f} of the store ceiling"
            + ("" if r["sold_equals_paid"] and r["stock_never_negative"] else ", STOCK WRONG"),
        )
        for r in results
    ]


NATIONAL = {"groups": 120, "members": 200, "months": 40}  # the simulation's default scale


def goal_rows(
    hop: dict[str, Any] | None,
    scaled: list[dict[str, Any]],
    simulation: dict[str, Any] | None,
) -> list[tuple[str, str, str]]:
    """Issue 19's goals, each with what this run measured and its ratio to the goal (a ratio of
    1.00 or more meets it); a goal this run did not measure says so."""

    def row(goal: str, measured: str, ratio: float | None) -> tuple[str, str, str]:
        if ratio is None:
            return (f"goal: {goal}", "not measured", measured)
        verdict = "met" if ratio >= 1 else "not met"
        return (f"goal: {goal}", f"{ratio:.2f} of it", f"{measured} ({verdict})")

    rows = [("goals (ratio = measured against the goal)", "", "")]
    if hop is not None:
        r = hop["ratio_to_store"]
        rows.append(row("hop >= 0.5 of the store ceiling", f"{r:.3f}", r / 0.5))
    done = [r for r in scaled if "failed" not in r]
    if len(done) > 1:
        small, large = done[0], done[-1]
        flat = large["participant_months_per_second"] / small["participant_months_per_second"]
        rows.append(
            row(
                "cost per participant-month flat (largest >= 0.80 of smallest)",
                f"{flat:.2f} at {large['participants']:,} / {small['participants']:,}",
                flat / 0.8,
            )
        )
    else:
        rows.append(row("cost per participant-month flat", "run --scales with two or more", None))
    runs = done + ([{"peak_rss_mib": simulation.get("peak_rss_mib") or {}}] if simulation else [])
    peaks = [r["peak_rss_mib"] for r in runs if r.get("peak_rss_mib")]
    if peaks:
        driver = max(p.get("driver", 0) for p in peaks)
        rows.append(row("driver under 300 MiB at any scale", f"{driver:,.0f} MiB", 300 / driver))
        services = max(
            (v, k) for p in peaks for k, v in p.items() if k not in ("driver", "kafka", "store")
        )
        rows.append(
            row(
                "every service under 400 MiB",
                f"{services[1]} {services[0]:,.0f} MiB",
                400 / services[0],
            )
        )
    if simulation is not None and (
        simulation["participants"]["groups"],
        simulation["participants"]["total"],
        simulation["calendar"]["months"],
    ) == (NATIONAL["groups"], NATIONAL["groups"] * NATIONAL["members"], NATIONAL["months"]):
        wall = simulation["bench_wall_s"]
        rows.append(row("national default in at most 5 minutes", f"{wall:,.0f} s", 300 / wall))
    else:
        rows.append(
            row(
                "national default in at most 5 minutes",
                "pass --simulation with the default scale (docs/simulation.md has the last run)",
                None,
            )
        )
    return rows


def run_simulation(arguments: str) -> dict[str, Any]:
    """(d) the national simulation as its own command (it starts the services as processes, so
    their peak memory can be read); its progress bars show as it goes."""
    argv = [sys.executable, "-m", "megp_simulation", *shlex.split(arguments)]
    progress(f"simulation: {' '.join(argv[1:])}")
    started, began = time.monotonic(), time.time()
    done = subprocess.run(argv, cwd=REPO_ROOT)
    latest = REPO_ROOT / ".local" / "simulation" / "latest.json"
    if not latest.exists() or latest.stat().st_mtime < began:
        # the run stopped before its summary: an earlier run's must not stand for it
        raise RuntimeError(f"the simulation {arguments!r} exited {done.returncode} with no summary")
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
    clients = [int(n) for n in args.fund_clients.split(",") if n.strip()]
    buyers = [int(n) for n in args.order_clients.split(",") if n.strip()]
    if args.fund_only:
        await funds_only(clients, args.fund_deposits)
        return
    if args.orders_only:
        await orders_only(buyers, args.orders, args.order_products, args.store_updates)
        return
    hooked = [int(n) for n in args.webhook_subscribers.split(",") if n.strip()]
    if args.webhooks_only:
        await webhooks_only(hooked, args.webhook_events)
        return
    processes = [int(n) for n in args.hop_processes.split(",") if n.strip()]
    if args.hop_only:
        await hop_only(processes, args.aggregates, args.per_aggregate, args.store_updates)
        return
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    if args.scales_only:
        scales_only(scales, args.scale_months)
        return
    with provide_infra() as infra:
        print(f"bench on {platform.node()} ({os.cpu_count()} cores), servers from {infra.source}")
        funds = (
            await fund_deposits(infra.kafka, infra.mongo, clients, args.fund_deposits)
            if args.fund_deposits
            else []
        )
        orders = (
            await trade_orders(infra.kafka, infra.mongo, buyers, args.orders, args.order_products)
            if args.orders
            else []
        )
        hooks = (
            await webhook_deliveries(infra.kafka, infra.mongo, hooked, args.webhook_events)
            if args.webhook_events
            else []
        )
        kafka = await kafka_ceiling(infra.kafka, args.kafka_messages, args.paced)
        store = await store_ceiling(infra.mongo, args.store_updates, 16)
        wal = await store_wal(infra.mongo, args.wal_updates, args.wal_bulk_writes, 500, 120)
        hop_result = await hop(infra.kafka, infra.mongo, args.aggregates, args.per_aggregate, 16)
        hopped = await hop_scaling(
            infra.kafka, infra.mongo, processes, args.aggregates, args.per_aggregate
        )
    store_best = max(store["sequential_per_s"], store["concurrent_per_s"])
    hop_result["ratio_to_kafka"] = hop_result["events_per_s"] / kafka["produce_consume_per_s"]
    hop_result["ratio_to_store"] = hop_result["events_per_s"] / store_best
    hop_result["ratio_to_commit_ceiling"] = hop_result["events_per_s"] / store["commit_sized_per_s"]
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
        ("hop / store ceiling", f"{hop_result['ratio_to_store']:.3f}", "small $inc"),
        (
            "hop / commit-sized ceiling",
            f"{hop_result['ratio_to_commit_ceiling']:.3f}",
            "goal >= 0.5",
        ),
    ]
    rows += commit_ceiling_rows(store)
    rows += hop_process_rows(hopped)
    rows += hop_ratio_rows(hopped, store)
    rows += fund_rows(funds)
    rows += order_rows(orders, store_best)
    rows += webhook_rows(hooks)
    console = (
        console_pages(
            {
                "KAFKA_BOOTSTRAP_SERVERS": infra.kafka,
                "MONGO_URL": infra.mongo,
                "ENVIRONMENT": "test",
            },
            header_factory(),
        )
        if args.console
        else None
    )
    if console is not None:
        rows += console_rows(console)
    scaled = run_scales(scales, args.scale_months, 7) if scales else []
    rows += scale_rows(scaled)
    simulation = run_simulation(args.simulation) if args.simulation else None
    if simulation is not None:
        rows += simulation_rows(simulation)
    rows += goal_rows(hop_result, scaled, simulation)
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
        "hop_processes": hopped,
        "scales": scaled,
        "fund_deposits": funds,
        "trade_orders": orders,
        "webhooks": hooks,
        "simulation": simulation,
        "console": console,
    }
    out = REPO_ROOT / ".local" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"foundation-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"\nwrote {path.relative_to(REPO_ROOT)}")


async def funds_only(clients: list[int], per_client: int) -> None:
    """`--fund-only`: stage (e) alone."""
    with provide_infra() as infra:
        print(f"bench on {platform.node()} ({os.cpu_count()} cores), servers from {infra.source}")
        funds = await fund_deposits(infra.kafka, infra.mongo, clients, per_client)
    print()
    for name, rate, lat in fund_rows(funds):
        print(f"  {name:<32} {rate:>16}   {lat}")
    for r in funds:
        spent = ", ".join(f"{k} {v}" for k, v in r["store_commands_per_deposit"].items())
        print(f"  store commands per deposit, {r['clients']} clients: {spent}")
    out = REPO_ROOT / ".local" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"fund-deposits-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps({"when": datetime.now(UTC).isoformat(), "fund_deposits": funds}))
    print(f"\nwrote {path.relative_to(REPO_ROOT)}")


async def orders_only(clients: list[int], per_client: int, pool: int, store_updates: int) -> None:
    """`--orders-only`: stage (f) alone, with the store ceiling it is reported against."""
    with provide_infra() as infra:
        print(f"bench on {platform.node()} ({os.cpu_count()} cores), servers from {infra.source}")
        orders = await trade_orders(infra.kafka, infra.mongo, clients, per_client, pool)
        store = await store_ceiling(infra.mongo, store_updates, 16)
    store_best = max(store["sequential_per_s"], store["concurrent_per_s"])
    print()
    rows = [
        ("store updates, best", f"{store_best:,.0f} upd/s", ""),
        *order_rows(orders, store_best),
    ]
    for name, rate, lat in rows:
        print(f"  {name:<32} {rate:>16}   {lat}")
    out = REPO_ROOT / ".local" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"trade-orders-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    body = {"when": datetime.now(UTC).isoformat(), "store": store, "trade_orders": orders}
    path.write_text(json.dumps(body, indent=2))
    print(f"\nwrote {path.relative_to(REPO_ROOT)}")


async def hop_only(processes: list[int], aggregates: int, per: int, store_updates: int) -> None:
    """`--hop-only`: stage (c') alone, with the store ceiling it is reported against."""
    with provide_infra() as infra:
        print(f"bench on {platform.node()} ({os.cpu_count()} cores), servers from {infra.source}")
        hopped = await hop_scaling(infra.kafka, infra.mongo, processes, aggregates, per)
        store = await store_ceiling(infra.mongo, store_updates, 16)
    store_best = max(store["sequential_per_s"], store["concurrent_per_s"])
    rows = [
        ("store updates, best", f"{store_best:,.0f} upd/s", "small $inc"),
        *commit_ceiling_rows(store),
        *hop_process_rows(hopped),
    ]
    rows += hop_ratio_rows(hopped, store)
    print()
    for name, rate, lat in rows:
        print(f"  {name:<32} {rate:>16}   {lat}")
    out = REPO_ROOT / ".local" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"hop-processes-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    body = {"when": datetime.now(UTC).isoformat(), "store": store, "hop_processes": hopped}
    path.write_text(json.dumps(body, indent=2))
    print(f"\nwrote {path.relative_to(REPO_ROOT)}")


def scales_only(scales: list[str], months: int) -> None:
    """`--scales-only`: stage (h) alone."""
    print(f"bench on {platform.node()} ({os.cpu_count()} cores)")
    scaled = run_scales(scales, months, 7)
    print()
    for name, rate, lat in scale_rows(scaled) + goal_rows(None, scaled, None):
        print(f"  {name:<32} {rate:>16}   {lat}")
    out = REPO_ROOT / ".local" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"scales-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps({"when": datetime.now(UTC).isoformat(), "scales": scaled}))
    print(f"\nwrote {path.relative_to(REPO_ROOT)}")


async def webhooks_only(subscribers: list[int], events: int) -> None:
    """`--webhooks-only`: stage (g) alone."""
    with provide_infra() as infra:
        print(f"bench on {platform.node()} ({os.cpu_count()} cores), servers from {infra.source}")
        hooks = await webhook_deliveries(infra.kafka, infra.mongo, subscribers, events)
    print()
    for name, rate, lat in webhook_rows(hooks):
        print(f"  {name:<32} {rate:>16}   {lat}")
    out = REPO_ROOT / ".local" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"webhooks-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps({"when": datetime.now(UTC).isoformat(), "webhooks": hooks}))
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
        "--fund-clients", default="16,64", help="client counts of stage (e), comma-separated"
    )
    parser.add_argument(
        "--fund-deposits", type=int, default=8, help="deposits per client in (e); 0 skips it"
    )
    parser.add_argument("--fund-only", action="store_true", help="run stage (e) alone")
    parser.add_argument(
        "--no-console",
        dest="console",
        action="store_false",
        help="skip the console's page weight and group-screen time (console_pages.py)",
    )
    parser.add_argument(
        "--order-clients", default="16,64", help="client counts of stage (f), comma-separated"
    )
    parser.add_argument(
        "--orders", type=int, default=10, help="orders per client in (f); 0 skips it"
    )
    parser.add_argument(
        "--order-products", type=int, default=32, help="the pool of products the orders draw on"
    )
    parser.add_argument(
        "--orders-only", action="store_true", help="run stage (f) alone (and the store ceiling)"
    )
    parser.add_argument(
        "--webhook-subscribers",
        default="1,10,100",
        help="subscriber counts of stage (g), comma-separated",
    )
    parser.add_argument(
        "--webhook-events",
        type=int,
        default=100,
        help="events each subscriber of (g) receives; 0 skips it",
    )
    parser.add_argument("--webhooks-only", action="store_true", help="run stage (g) alone")
    parser.add_argument(
        "--hop-processes", default="1,2", help="consumer process counts of stage (c')"
    )
    parser.add_argument(
        "--hop-only", action="store_true", help="run stage (c') alone (and the store ceiling)"
    )
    parser.add_argument(
        "--scales",
        default=os.environ.get("BENCH_SCALES", DEFAULT_SCALES),
        help="stage (h): the simulation's scales, '<groups>x<members>' or participants, "
        "comma-separated; empty skips it (the issue's: 22x20,120x200,240x200)",
    )
    parser.add_argument(
        "--scale-months", type=int, default=6, help="months of each run of stage (h)"
    )
    parser.add_argument("--scales-only", action="store_true", help="run stage (h) alone")
    parser.add_argument(
        "--simulation",
        default=os.environ.get("BENCH_SIMULATION_ARGS", DEFAULT_SIMULATION),
        help="arguments of the simulation run measured last; empty to skip it",
    )
    asyncio.run(main(parser.parse_args()))

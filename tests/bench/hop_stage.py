"""`make bench` stage (c'): the hop with its consumers as processes of one consumer group, and the
store writes the hop makes per event, counted at the driver (pymongo's command monitoring).

The bench process commits `Counter` aggregates with their outbox and runs the relay; 1 or 2
consumer processes (`python tests/bench/hop_stage.py consume ...`, the same ConsumerRunner and
batch handler a service runs) apply each event once to a `Tally`. With 2, the second process
starts once a third of the events are applied, so Kafka rebalances the group's partitions
mid-run: the stage prints events/s, the longest time no event was applied after the second
process was launched (the rebalance pause) and whether every tally holds each of its events exactly
once. On 2 shared cores this shows correctness and the pause, not a speed-up.

The stage watches progress without reading the store: each consumer process prints a line with
the committed count of every tally it wrote (after the write returned), and the bench keeps the
highest count per tally. Reading the 200 tallies every 50 ms, as it once did, cost the store
about 30 ms of CPU per read, a third of a core taken from the hop it measured. The store is read
once, at the end, for the exactly-once check.

The writes are counted per command sent to the hop's database: `commit` (the aggregate with
its outbox), `relay` (clearing published entries, unflagging), `apply` (the consumers'
tallies, each recording the event ids it applied in the same write). A command may carry many
statements (a bulk write); both are counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter as Count
from pathlib import Path
from typing import Any

from pymongo import monitoring

from megp_common.bus import KafkaBus, ensure_topics
from megp_common.clock import SettableClock
from megp_common.consumer import ConsumerRunner
from megp_common.ids import new_id
from megp_common.mongo import Document, OutboxWriter, make_client
from megp_common.outbox import OutboxRelay
from megp_common.settings import REPO_ROOT
from megp_common.testing.tally import (
    Counter,
    CounterRepository,
    Tally,
    TallyIncremented,
    TallyRepository,
    make_batch_handler,
)

WRITE_COMMANDS = ("insert", "update", "delete", "findAndModify")


class WriteCounter(monitoring.CommandListener):
    """Counts the write commands (and their statements) this process sends to one database,
    by what they are for: `commit`, `relay` or `apply`."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.commands: Count[str] = Count()
        self.statements: Count[str] = Count()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name != self.database or event.command_name not in WRITE_COMMANDS:
            return
        cmd = event.command
        collection = str(cmd.get(event.command_name))
        updates = list(cmd.get("updates") or ())
        n = len(updates) or len(cmd.get("documents") or ()) or len(cmd.get("deletes") or ()) or 1
        if collection == "tallies":
            kind = "apply"
        elif updates and all(_is_relay(u.get("u") or {}) for u in updates):
            kind = "relay"
        else:
            kind = "commit"
        self.commands[kind] += 1
        self.statements[kind] += n

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def _is_relay(update: Any) -> bool:
    """The relay's writes: clearing an outbox ($pullAll, or emptying it and dropping the flag)
    and unflagging an empty one; a commit sets the state with its new entries."""
    if not isinstance(update, dict):
        return False
    if "$pullAll" in update:
        return True
    if set(update) == {"$unset"}:
        return True
    return set(update) == {"$set", "$unset"} and update["$set"] == {"outbox": []}


def watch_writes(database: str) -> WriteCounter:
    counter = WriteCounter(database)
    monitoring.register(counter)
    return counter


class ReportedTallies(TallyRepository):
    """Tallies that print `applied <id> <count>` once a write of them returned."""

    def _committed(self, aggregate: Tally, version: int, entries: list[Document]) -> None:
        super()._committed(aggregate, version, entries)
        print(f"applied {aggregate.id} {aggregate.count}", flush=True)


async def consume(bootstrap: str, mongo: str, topic: str, database: str, group: str) -> None:
    """One consumer process of the stage: applies until SIGTERM, then prints its counts."""
    writes = watch_writes(database)
    client = make_client(mongo)
    bus = KafkaBus(bootstrap, service=group)
    await bus.start()
    tallies = ReportedTallies(
        client[database], OutboxWriter(service=group, topic=f"{topic}.out", clock=SettableClock())
    )
    runner = ConsumerRunner(
        service=group,
        bootstrap_servers=bootstrap,
        topics=[topic],
        handlers={TallyIncremented.event_type: make_batch_handler(tallies)},
        bus=bus,
        dead_letter_topic=f"{topic}.dlq",
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await runner.start()
    print("ready", flush=True)
    cpu_at_ready = time.process_time()
    await stop.wait()
    cpu_s = time.process_time() - cpu_at_ready
    await runner.stop()
    await bus.stop()
    await client.close()
    out = {
        "handled": runner.handled,
        "commands": writes.commands,
        "statements": writes.statements,
        "cpu_s": cpu_s,
    }
    print("RESULT " + json.dumps(out), flush=True)


class Progress:
    """What the consumer processes reported: the highest committed count of each tally, and
    the `RESULT` line of each process once it stopped."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.applied = 0
        self.results: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def follow(self, proc: Any) -> None:
        """Read a started process's lines in a thread of their own."""
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: Any) -> None:
        for line in proc.stdout:
            if line.startswith("applied "):
                _, tally, count = line.split()
                with self._lock:
                    before = self.counts.get(tally, 0)
                    if int(count) > before:
                        self.counts[tally] = int(count)
                        self.applied += int(count) - before
            elif line.startswith("RESULT "):
                with self._lock:
                    self.results.append(json.loads(line.removeprefix("RESULT ")))


def server_cpu_s() -> dict[str, float | None]:
    """CPU seconds the store and the broker used so far, when this machine's scripts started
    them (their pid files under .local/pids), else None."""
    pids = Path(os.environ.get("MEGP_LOCAL_DIR") or REPO_ROOT / ".local") / "pids"
    out: dict[str, float | None] = {}
    for name in ("store", "kafka"):
        try:
            pid = (pids / f"{name}.pid").read_text().strip()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out[name] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            out[name] = None
    return out


def _cpu_per_event(
    before: dict[str, float | None],
    after: dict[str, float | None],
    own: float,
    consumers: float,
    events: int,
) -> dict[str, float | None]:
    """Milliseconds of CPU per event, by process: the committing one (commits and relay),
    the consumers, the store, the broker."""
    out: dict[str, float | None] = {
        "committer_relay": own / events * 1000,
        "consumers": consumers / events * 1000,
    }
    for name in ("store", "kafka"):
        b, a = before.get(name), after.get(name)
        out[name] = None if a is None or b is None else (a - b) / events * 1000
    return out


def _start_consumer(
    bootstrap: str, mongo: str, topic: str, db: str, group: str, progress: Progress
) -> Any:
    argv = [sys.executable, __file__, "consume", bootstrap, mongo, topic, db, group]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT)
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # "ready" once it started (its logs may come first)
        if line.strip() == "ready":
            progress.follow(proc)
            return proc
        seen.append(line)
    proc.kill()
    raise RuntimeError(f"a consumer process did not start: {''.join(seen[-5:])!r}")


async def _applied(db: Any) -> tuple[int, list[int]]:
    counts = [int(t.get("count", 0)) async for t in db["tallies"].find({}, {"count": 1})]
    return sum(counts), counts


async def hop_processes(
    bootstrap: str, mongo: str, processes: int, counters: int, per_counter: int
) -> dict[str, Any]:
    suffix = new_id()[-8:]
    topic, database, group = f"bench.hopp.{suffix}", f"megp_bench_hopp_{suffix}", f"bench-{suffix}"
    await ensure_topics(bootstrap, [topic, f"{topic}.dlq", f"{topic}.out"], partitions=6)
    writes = watch_writes(database)
    client = make_client(mongo)
    db = client[database]
    bus = KafkaBus(bootstrap, service="bench-hopp")
    await bus.start()
    writer = OutboxWriter(service="bench", topic=topic, clock=SettableClock())
    relay = OutboxRelay(db, bus, ["counters"], service="bench", sweep_interval_s=5)
    writer.notify = relay.notify
    repo = CounterRepository(db, writer)
    await relay.start()
    total = counters * per_counter
    seen = Progress()
    procs = [_start_consumer(bootstrap, mongo, topic, database, group, seen)]
    print(f"  .. hop x{processes}: {total} events, {processes} consumer process(es)", flush=True)
    servers_before, own_before = server_cpu_s(), time.process_time()
    start = time.perf_counter()

    async def committer(k: int) -> None:
        for cid in range(k, counters, 16):
            counter = Counter(id=f"c{cid}")
            counter.increment(1)
            await repo.add(counter)
            for _ in range(per_counter - 1):
                counter.increment(1)
                await repo.save(counter)

    committing = asyncio.gather(*(committer(k) for k in range(16)))
    second_at: float | None = None
    joining: asyncio.Task[Any] | None = None
    longest_stall, last_change, last = 0.0, time.perf_counter(), 0
    applied = 0
    while applied < total:
        await asyncio.sleep(0.05)
        applied = seen.applied
        now = time.perf_counter()
        if applied != last:
            if second_at is not None:
                longest_stall = max(longest_stall, now - max(last_change, second_at))
            last, last_change = applied, now
        if processes > 1 and second_at is None and applied >= total // 3:
            second_at = time.perf_counter()  # it starts in a thread: the hop goes on meanwhile
            joining = asyncio.create_task(
                asyncio.to_thread(_start_consumer, bootstrap, mongo, topic, database, group, seen)
            )
        if now - last_change > 300:
            raise RuntimeError(f"hop x{processes} stalled at {applied}/{total}")
    end = time.perf_counter()
    servers_after, own_cpu = server_cpu_s(), time.process_time() - own_before
    await committing
    if joining is not None:
        procs.append(await joining)
    await asyncio.sleep(1.0)  # redeliveries after the rebalance would land now
    applied, counts = await _applied(db)
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    for _ in range(100):  # the reading threads see the last lines a moment after the exit
        if len(seen.results) == len(procs):
            break
        await asyncio.sleep(0.05)
    reports = seen.results
    await relay.stop()
    await bus.stop()
    await client.drop_database(database)
    await client.close()
    commands, statements = Count(writes.commands), Count(writes.statements)
    for r in reports:
        commands.update(r["commands"])
        statements.update(r["statements"])
    return {
        "processes": processes,
        "events": total,
        "events_per_s": total / (end - start),
        "rebalance_pause_s": round(longest_stall, 2) if processes > 1 else None,
        "handled_by_process": [r["handled"] for r in reports],
        "exactly_once": applied == total and all(c == per_counter for c in counts),
        "writes_per_event": {k: commands[k] / total for k in ("commit", "relay", "apply")},
        "statements_per_event": {k: statements[k] / total for k in ("commit", "relay", "apply")},
        "cpu_ms_per_event": _cpu_per_event(
            servers_before, servers_after, own_cpu, sum(r["cpu_s"] for r in reports), total
        ),
    }


async def hop_scaling(
    bootstrap: str, mongo: str, processes: list[int], counters: int, per_counter: int
) -> list[dict[str, Any]]:
    return [await hop_processes(bootstrap, mongo, n, counters, per_counter) for n in processes]


def hop_process_rows(results: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    rows = []
    for r in results:
        w = r["writes_per_event"]
        pause = r["rebalance_pause_s"]
        rows.append(
            (
                f"hop, {r['processes']} consumer process(es)",
                f"{r['events_per_s']:,.0f} ev/s",
                ("" if pause is None else f"rebalance pause {pause:.2f} s, ")
                + f"handled {r['handled_by_process']}, "
                + ("each event applied once" if r["exactly_once"] else "APPLIED WRONG"),
            )
        )
        rows.append(
            (
                f"  writes per event x{r['processes']}",
                f"{sum(w.values()):.2f}",
                " + ".join(f"{k} {v:.2f}" for k, v in w.items())
                + " (statements: "
                + " + ".join(f"{k} {v:.2f}" for k, v in r["statements_per_event"].items())
                + ")",
            )
        )
        cpu = r["cpu_ms_per_event"]
        rows.append(
            (
                f"  CPU ms per event x{r['processes']}",
                f"{sum(v for v in cpu.values() if v is not None):.2f}",
                ", ".join(f"{k} {'n/a' if v is None else f'{v:.2f}'}" for k, v in cpu.items()),
            )
        )
    return rows


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "consume":
        asyncio.run(consume(*sys.argv[2:7]))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--aggregates", type=int, default=200)
    parser.add_argument("--per-aggregate", type=int, default=25)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from megp_common.testing.infra import provide_infra

    async def main() -> list[dict[str, Any]]:
        with provide_infra() as infra:
            ns = [int(n) for n in args.processes.split(",")]
            return await hop_scaling(
                infra.kafka, infra.mongo, ns, args.aggregates, args.per_aggregate
            )

    results = asyncio.run(main())
    for name, rate, note in hop_process_rows(results):
        print(f"  {name:<32} {rate:>16}   {note}")
    out = REPO_ROOT / ".local" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"hop-processes-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {path.relative_to(REPO_ROOT)}")
    os._exit(0)

"""The store's CPU per command, for the commands the platform sends most: a find by `_id` and a
conditional update (`{_id, version}`, `$set` of a few fields and the next version) of a ~2 KB
and a ~20 KB document, by 1 and by 16 clients.

Each store under test is started here, on its own fresh data directory and port, with the flags
`deploy/local/store.sh` gives it (or the SQLite URI given by `--url`); its CPU is read from
/proc (user + system ticks of the FerretDB process) before and after each case, so what other
processes on the machine do changes the wall-clock rate but not the CPU per command. The stores
are measured in alternating rounds (A B A B ...), which keeps a drift of the machine's load from
looking like a difference between them. A measurement, not an assertion:

    C=~/.cache/megp/ferretdb-v1.24.2   # store.sh names a build by its level and patches' hash
    uv run --frozen python tests/bench/store_cpu.py --store megp6=$C-megp6/ferretdb \\
        --store megp7=$(ls -d $C-megp7-*)/ferretdb --rounds 3
    # the same binary under two SQLite settings:
    uv run --frozen python tests/bench/store_cpu.py --store a=BIN \\
        --store 'b=BIN?_pragma=cache_size(-65536)'
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from pymongo import MongoClient

TICK = os.sysconf("SC_CLK_TCK")
# store.sh's own SQLite URI parameters (see its start())
STORE_SH_PARAMS = "_pragma=synchronous(normal)&_pragma=journal_size_limit(8388608)"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Store:
    """One FerretDB process on a fresh data directory."""

    def __init__(self, name: str, spec: str, debug_addr: str | None) -> None:
        binary, _, extra = spec.partition("?")
        self.name = name
        self.binary = os.path.expanduser(binary)
        self.params = STORE_SH_PARAMS + ("&" + extra if extra else "")
        self.debug_addr = debug_addr
        self.dir = Path(tempfile.mkdtemp(prefix=f"store-cpu-{name}-"))
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = [
            self.binary, f"--listen-addr=127.0.0.1:{self.port}", "--handler=sqlite",
            f"--sqlite-url=file:{self.dir}/?{self.params}", f"--state-dir={self.dir}",
            "--telemetry=disable", "--log-level=warn", f"--debug-addr={self.debug_addr or '-'}",
        ]  # fmt: skip
        log = (self.dir / "store.log").open("wb")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not open its port; see {self.dir}/store.log")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(30)
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


def document(i: int, size: int) -> dict[str, Any]:
    """A document of about `size` bytes of BSON, shaped like an aggregate: scalars, a list of
    small records (members, lines), a nested map, an outbox entry."""
    rows = max(1, (size - 600) // 100)
    return {
        "_id": f"doc-{i:06d}",
        "version": 1,
        "state": "09",
        "group_id": f"g-{i % 50:03d}",
        "status": "open",
        "amount": "1250.00",
        "rows": [
            {"id": f"r-{j:04d}", "qty": j, "price": f"{j}.50", "note": "x" * 20, "ok": j % 2 == 0}
            for j in range(rows)
        ],
        "totals": {"paid": "0.00", "due": "1250.00", "count": rows},
        "outbox": [],
    }


def seed(client: MongoClient[dict[str, Any]], coll: str, docs: int, size: int) -> None:
    c = client.bench[coll]
    c.drop()
    c.insert_many([document(i, size) for i in range(docs)])


def run_case(
    store: Store, coll: str, op: str, clients: int, seconds: float, docs: int
) -> dict[str, Any]:
    """`clients` threads, each with its own connection, issue `op` on random documents of `coll`
    for `seconds`; the store's CPU per command over the whole case."""
    conns = [MongoClient("127.0.0.1", store.port, maxPoolSize=1) for _ in range(clients)]
    for c in conns:
        c.admin.command("ping")
    counts = [0] * clients
    conflicts = [0] * clients
    stop = threading.Event()

    def worker(k: int) -> None:
        c = conns[k].bench[coll]
        n = k * 7919
        while not stop.is_set():
            n += 1
            key = f"doc-{(n * 2654435761) % docs:06d}"
            if op == "find":
                got = c.find_one({"_id": key})
                assert got is not None
            else:
                current = c.find_one({"_id": key}, {"version": 1})
                assert current is not None
                version = current["version"]
                res = c.update_one(
                    {"_id": key, "version": version},
                    {"$set": {"version": version + 1, "status": f"s{n % 7}", "amount": f"{n}.00"}},
                )
                if res.modified_count != 1:
                    conflicts[k] += 1
            counts[k] += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    cpu0, t0 = cpu_seconds(store.pid), time.monotonic()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    cpu1, t1 = cpu_seconds(store.pid), time.monotonic()
    for c in conns:
        c.close()
    ops = sum(counts)
    # an update case sends two commands per operation: the version read and the update
    commands = ops * (2 if op == "update" else 1)
    return {
        "store": store.name, "coll": coll, "op": op, "clients": clients, "ops": ops,
        "commands": commands, "conflicts": sum(conflicts), "wall_s": round(t1 - t0, 2),
        "store_cpu_s": round(cpu1 - cpu0, 2),
        "ms_cpu_per_command": round(1000 * (cpu1 - cpu0) / max(1, commands), 3),
        "ms_cpu_per_op": round(1000 * (cpu1 - cpu0) / max(1, ops), 3),
        "ops_per_s": round(ops / (t1 - t0), 1),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--store", action="append", required=True, help="NAME=BINARY[?SQLITE_PARAMS]")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=8.0, help="per case")
    ap.add_argument("--docs", type=int, default=1000, help="documents per collection")
    ap.add_argument("--clients", default="1,16")
    ap.add_argument("--sizes", default="2000,20000")
    ap.add_argument("--debug-addr", default=None, help="open the first store's pprof here")
    ap.add_argument("--out", default=None, help="write every case's row as JSON here")
    args = ap.parse_args()
    # stopped by a signal, still stop the stores it started and remove their data
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    stores = []
    for k, spec in enumerate(args.store):
        name, _, rest = spec.partition("=")
        stores.append(Store(name, rest, args.debug_addr if k == 0 else None))
    sizes = [int(s) for s in args.sizes.split(",")]
    client_counts = [int(s) for s in args.clients.split(",")]
    rows: list[dict[str, Any]] = []
    try:
        for s in stores:
            s.start()
            with MongoClient("127.0.0.1", s.port) as c:
                for size in sizes:
                    seed(c, f"d{size}", args.docs, size)
        print(json.dumps({"seeded": [s.name for s in stores]}), flush=True)
        for r in range(args.rounds):
            for size in sizes:
                for clients in client_counts:
                    for op in ("find", "update"):
                        order = stores if r % 2 == 0 else list(reversed(stores))
                        for s in order:
                            row = run_case(s, f"d{size}", op, clients, args.seconds, args.docs)
                            row["round"], row["size"] = r, size
                            rows.append(row)
                            print(json.dumps(row), flush=True)
    finally:
        for s in stores:
            s.stop()
    print()
    print(f"{'size':>6} {'op':>6} {'cl':>3} " + " ".join(f"{s.name:>22}" for s in stores))
    print(f"{'':>6} {'':>6} {'':>3} " + " ".join(f"{'ms CPU/cmd (median)':>22}" for _ in stores))
    for size in sizes:
        for clients in client_counts:
            for op in ("find", "update"):
                cells = []
                for s in stores:
                    mine = [
                        x for x in rows
                        if x["store"] == s.name and x["size"] == size
                        and x["clients"] == clients and x["op"] == op
                    ]  # fmt: skip
                    per = [x["ms_cpu_per_command"] for x in mine]
                    rate = statistics.median(x["ops_per_s"] for x in mine)
                    spread = f"({min(per):.2f}-{max(per):.2f})"
                    cells.append(f"{statistics.median(per):.3f} {spread} {rate:>5.0f}/s")
                print(f"{size:>6} {op:>6} {clients:>3} " + " ".join(f"{c:>22}" for c in cells))
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

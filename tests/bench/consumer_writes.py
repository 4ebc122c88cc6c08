"""Store writes per consumed event, per service, over one national simulation (--small unless
told otherwise): it starts the store, Kafka and the services as `make simulate` does, runs the
simulation, then reads every service's /metrics for the write commands it sent to the store
(insert, update, findAndModify, delete: all of them, the HTTP side's and the relay's included)
and the events its consumer handled. Run before and after a change to the consumers' write
path, with the same seed and each on a fresh store and broker (stopped, then `.local/store`
and `.local/kafka` removed: a store holding an earlier run's subscriptions and reports makes the
services do more), the difference is what the consumers saved.

    uv run --frozen python tests/bench/consumer_writes.py [--groups N --members N --months N]
        [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import httpx

from megp_common.launcher import LocalInfra, Platform
from megp_common.settings import API_SERVICES
from megp_simulation.cli import run_simulation
from megp_simulation.model import Scale

WRITES = ("insert", "update", "findAndModify", "delete")


def _labels(text: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in (kv.split("=", 1) for kv in text.split('",'))}


def scrape(url: str) -> dict[str, Any]:
    """One service's writes (by "collection command") and the events its consumer handled."""
    text = httpx.get(f"{url}/metrics", timeout=30).text
    writes: dict[str, float] = {}
    consumed = 0.0
    for line in text.splitlines():
        if line.startswith("megp_store_commands_total{"):
            labels, value = line[len("megp_store_commands_total{") :].rsplit("} ", 1)
            got = _labels(labels)
            if got["command"] in WRITES:
                key = f"{got['collection']} {got['command']}"
                writes[key] = writes.get(key, 0.0) + float(value)
        elif line.startswith("megp_events_consumed_total{"):
            labels, value = line[len("megp_events_consumed_total{") :].rsplit("} ", 1)
            if _labels(labels).get("outcome") == "handled":
                consumed += float(value)
    return {"writes": writes, "consumed": consumed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int)
    parser.add_argument("--members", type=int)
    parser.add_argument("--months", type=int)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", help="write the figures (JSON) here too")
    args = parser.parse_args(argv)
    small = Scale.small()
    scale = Scale(
        states=small.states,
        groups=args.groups or small.groups,
        members=args.members or small.members,
        months=args.months or small.months,
        workers=small.workers,
    )
    infra = LocalInfra()
    env = infra.up()
    platform = Platform(
        env | {"ENVIRONMENT": "development", "CLOCK_REWIND_ALLOWED": "true"}, API_SERVICES
    )
    platform.start()
    try:
        urls = {name: p.url for name, p in platform.processes.items()}
        summary = run_simulation(
            urls,
            env["KAFKA_BOOTSTRAP_SERVERS"],
            scale,
            args.seed,
            quiet=True,
            out_dir=None,
            mongo=env["MONGO_URL"],
        )
        out: dict[str, Any] = {"ok": summary["ok"], "scale": str(scale), "services": {}}
        for name, url in sorted(urls.items()):
            got = scrape(url)
            total, consumed = sum(got["writes"].values()), got["consumed"]
            out["services"][name] = {
                "consumed": consumed,
                "writes": total,
                "writes_per_consumed": round(total / consumed, 3) if consumed else None,
                "by_collection": dict(sorted(got["writes"].items(), key=lambda kv: -kv[1])),
            }
    finally:
        platform.stop()
        infra.down()
    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()

"""`python -m megp_simulation`: run the programme through the services and check the invariants.

    uv run python -m megp_simulation --small
    uv run python -m megp_simulation --states 22 --groups 120 --members 200 --months 40
    uv run python -m megp_simulation --small --url enrollment=http://127.0.0.1:8001 ...

Without --url it starts (or reuses) Kafka and the store with `megp_common.launcher` and starts
the seven services; with --url for every service it drives those (then --kafka names the broker).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from megp_common import allocator
from megp_common.settings import API_SERVICES, REPO_ROOT, SERVICES
from megp_simulation import credit, donors, inventors, kafka, store_meter
from megp_simulation.api import Api, HeaderFactory, local_tokens
from megp_simulation.bank_checks import bank_checks
from megp_simulation.banks import BankDesk
from megp_simulation.cpu import CpuMeter, by_stage
from megp_simulation.invariants import (
    Check,
    check_funds,
    check_instalments,
    check_kafka,
    check_lines,
    read_fund,
)
from megp_simulation.ip_checks import check_deadlines, check_secrecy
from megp_simulation.market_checks import check_rounds, judge_market, market_across, merge_checks
from megp_simulation.model import Scale
from megp_simulation.report import summarize, table
from megp_simulation.scenario import Simulation

OUT_DIR = REPO_ROOT / ".local" / "simulation"
PLATFORM_SERVICES = (
    "enrollment",
    "funds",
    "credit",
    "trade",
    "ip-counsel",
    "webhooks",
    "donors",
)


def run_simulation(
    urls: dict[str, str],
    bootstrap: str,
    scale: Scale,
    seed: int,
    *,
    header: HeaderFactory | None = None,
    quiet: bool = False,
    out_dir: Path | None = OUT_DIR,
    after_move: Any = None,
    platform: Any = None,
    mongo: str | None = None,
) -> dict[str, Any]:
    """Runs the scenario and the checks; returns the summary (also written as JSON). `mongo`
    is the store's URL, for the scan of ip-counsel's raw documents."""
    api = Api(urls, header or local_tokens())
    started_ms = int(time.time() * 1000) - 1000
    t0 = time.monotonic()
    offsets_before = asyncio.run(kafka.committed_offsets(bootstrap))
    sim = Simulation(api, scale, seed, quiet=quiet)
    sim.after_move = after_move
    log = None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        log = out_dir / f"cpu-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-seed{seed}.jsonl"
    sim.meter = CpuMeter(
        lambda: platform_pids(platform), log, store=lambda: store_meter.read_totals(urls)
    )
    sim.obligations = kafka.ObligationFeed(bootstrap, started_ms).start()
    # the banks subscribe before the first fund opens; `bank_checks` disables them at the end
    desk = BankDesk(api, sim.run_tag, quiet)
    try:
        desk.open()
        sim.run()
    except BaseException:
        desk.close()
        sim.close(wait=False)
        raise
    finally:
        sim.obligations.stop()
    driven_s = time.monotonic() - t0
    api.note_foreign_moves()
    lag = asyncio.run(kafka.wait_for_zero_lag(bootstrap))
    settled_s = time.monotonic() - t0
    sim.meter.mark("settling")
    if os.environ.get("MEGP_SIM_TRACEMALLOC") == "1":
        tracemalloc.start()  # the checks' allocations, listed at each of their marks
    offsets_after = asyncio.run(kafka.committed_offsets(bootstrap))
    consumed = asyncio.run(kafka.consumed_between(offsets_before, offsets_after))
    dlq = asyncio.run(kafka.dead_letters_since(bootstrap, started_ms, sim.event_keys()))
    # read once, folded as read: the words the disclosures used are scanned for on the way
    events = asyncio.run(
        kafka.events_since(bootstrap, started_ms, sim.event_keys(), sorted(api.watched))
    )
    sim.meter.mark("checks: events read")
    funds = sim.parallel("checking", lambda g: read_fund(sim, g))
    sim.meter.mark("checks: funds read")
    # each group's market judged as it is read, an order or a period at a time, against the
    # sales, returns and royalties the events were folded into
    index = events.market
    market = merge_checks(sim.parallel("market", lambda g: judge_market(sim, g, index)))
    market_across(sim, index, market)
    sim.meter.mark("checks: market judged")
    sim.close()  # the groups' workers are done; the bank checks below keep their own
    banked, bank_figures = bank_checks(sim, desk, events)
    sim.meter.mark("checks: banks")
    given = donors.read_donors(sim, mongo)
    lines = {}
    for g in sim.groups:
        status, line = api.try_call("credit", "GET", f"/lines/{g.group_id}")
        if status == 200:
            lines[g.group_id] = line
    checks: list[Check] = [
        *check_funds(sim, funds),
        *check_instalments(sim, funds, events),
        *check_lines(sim, lines),
        *check_kafka(lag, dlq, api.foreign_clock_moves),
        *market.values(),
        check_rounds(sim),
        *check_secrecy(sim, events, inventors.outside_reads(sim), mongo),
        check_deadlines(sim, events),
        credit.check_lenders_of_record(sim, lines, events),
        *banked,
        *donors.check_donors(sim, given, funds),
    ]
    sim.meter.mark("checks")
    tracemalloc.stop()
    summary = summarize(sim, funds, lines, events, consumed, checks, api)
    summary["cpu_by_stage"] = by_stage(sim.meter.phases)
    summary["cpu_by_phase"] = sim.meter.phases
    summary["banks"] = bank_figures
    summary["donors"] = donors.figures(sim, given)
    summary["elapsed_s"] = {
        "total": round(time.monotonic() - t0, 1),
        "driving": round(driven_s, 1),
        "until_lag_zero": round(settled_s, 1),
        **{k: round(v, 1) for k, v in sim.timings.items()},
    }
    # the driver itself (ru_maxrss is in KiB on Linux); the services and the infrastructure only
    # when this command started them, as otherwise their processes are not ours to read
    peaks = {"driver": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    if platform is not None:
        from megp_common.launcher import infra_peak_rss_kib

        peaks |= {n: p.peak_rss() for n, p in platform.processes.items()} | infra_peak_rss_kib()
    summary["peak_rss_mib"] = {n: round(k / 1024, 1) for n, k in peaks.items() if k}
    ours = events.copies
    summary["events"]["per_second"] = round(ours / max(settled_s, 0.001), 1)
    summary["http_calls_per_second"] = round(api.calls / max(settled_s, 0.001), 1)
    # the work done, whatever the events' granularity (a group's closing is one event for all
    # its members): simulated months of one participant, per second of the months phase
    months_s = sim.timings.get("months_s") or settled_s
    member_months = sim.scale.groups * sim.scale.members * sim.scale.months
    summary["participant_months_per_second"] = round(member_months / max(months_s, 0.001), 1)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = out_dir / f"summary-{stamp}-seed{seed}.json"
        path.write_text(json.dumps(summary, indent=2, default=str))
        (out_dir / "latest.json").write_text(json.dumps(summary, indent=2, default=str))
        summary["json_path"] = str(path)
    return summary


def platform_pids(platform: Any) -> dict[str, int]:
    """The processes whose CPU the run reports: the driver always; the services, the broker and
    the store when this command started them."""
    pids = {"driver": os.getpid()}
    if platform is not None:
        from megp_common.launcher import infra_pids

        pids |= infra_pids()
        for name, p in platform.processes.items():
            if p.proc is not None and p.proc.poll() is None:
                pids[name] = p.proc.pid
    return pids


def running_platform() -> dict[str, str]:
    """The seven services on this machine's ports (with MEGP_PORT_OFFSET), if all answer."""
    import httpx

    from megp_common.launcher import port_offset

    urls = {s: f"http://127.0.0.1:{SERVICES[s] + port_offset()}" for s in PLATFORM_SERVICES}
    ready = {}
    for name, url in urls.items():
        try:
            ready[name] = httpx.get(f"{url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            ready[name] = False
    if all(ready.values()):
        return urls
    if any(ready.values()):
        up = sorted(n for n, ok in ready.items() if ok)
        raise SystemExit(f"only {up} answer; stop them or pass --url for all seven")
    return {}


def main(argv: list[str] | None = None) -> None:
    allocator.tune()  # before the driver's worker threads make their own arenas
    parser = argparse.ArgumentParser(description="Run the MEGP programme end to end.")
    parser.add_argument(
        "--small", action="store_true", help="2 states, 4 groups of 6, 10 months (about a minute)"
    )
    parser.add_argument("--states", type=int, help="federal entities (default 22)")
    parser.add_argument("--groups", type=int, help="project groups (default 120)")
    parser.add_argument("--members", type=int, help="members per group (at least 5)")
    parser.add_argument("--months", type=int, help="simulated months (default 40)")
    parser.add_argument("--workers", type=int, help="groups worked at the same time")
    parser.add_argument(
        "--sellers",
        type=float,
        help="share of each group's members with a product on the marketplace (default 0.3)",
    )
    parser.add_argument(
        "--selling",
        type=float,
        help="share of those who sell through it in a month (default 0.5)",
    )
    parser.add_argument(
        "--inventive",
        type=float,
        help="share of groups with two inventors in the inventors' programme (default 0.25)",
    )
    parser.add_argument(
        "--mongo",
        default=os.environ.get("MONGO_URL"),
        help="the store, for the scan of ip-counsel's documents (taken from the started one)",
    )
    parser.add_argument(
        "--statements",
        type=int,
        help="funds whose trust bank reconciles its camt.053 statements at the end (default "
        "all up to 24 groups, 24 of them beyond)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--url",
        action="append",
        default=[],
        metavar="SERVICE=URL",
        help="use an already-running service (give all seven)",
    )
    parser.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--restart-each",
        action="store_true",
        help="kill (SIGKILL) and restart each service in turn, just after the clock moves to "
        "a month's 1st while the services act on it (only when this command started them)",
    )
    args = parser.parse_args(argv)
    base = Scale.small() if args.small else Scale()
    scale = Scale(
        states=args.states or base.states,
        groups=args.groups or base.groups,
        members=args.members or base.members,
        months=args.months or base.months,
        workers=args.workers or base.workers,
        sellers=base.sellers if args.sellers is None else args.sellers,
        selling=base.selling if args.selling is None else args.selling,
        inventive=base.inventive if args.inventive is None else args.inventive,
        statements=args.statements,
    )
    if scale.members < 5 or not 1 <= scale.states <= 32:
        parser.error("members per group must be at least 5 and states 1..32")
    if not (0 <= scale.sellers <= 1 and 0 <= scale.selling <= 1 and 0 <= scale.inventive <= 1):
        parser.error("--sellers, --selling and --inventive are shares from 0 to 1")
    if scale.statements is not None and scale.statements < 0:
        parser.error("--statements is a number of funds, 0 or more")
    urls = dict(u.split("=", 1) for u in args.url) or running_platform()
    platform = infra = None
    if urls:
        print(f"using the running services: {urls}", file=sys.stderr, flush=True)
    if set(urls) < set(PLATFORM_SERVICES):
        from megp_common.launcher import LocalInfra, Platform

        infra = LocalInfra()
        env = infra.up()
        platform = Platform(
            env | {"ENVIRONMENT": "development", "CLOCK_REWIND_ALLOWED": "true"}, API_SERVICES
        )
        print("starting services...", file=sys.stderr, flush=True)
        platform.start()
        urls = {name: p.url for name, p in platform.processes.items()}
        args.kafka = env["KAFKA_BOOTSTRAP_SERVERS"]
        args.mongo = env["MONGO_URL"]
    restarts: dict[int, str] = {}
    if args.restart_each:
        if platform is None:
            parser.error("--restart-each needs the services started by this command")
        victims = PLATFORM_SERVICES
        restarts = {
            (k + 1) * scale.months // (len(victims) + 1): name for k, name in enumerate(victims)
        }
        if len(restarts) < len(victims):
            parser.error(f"--restart-each needs at least {len(victims) + 1} months")

    def after_move(month: int) -> None:
        if month in restarts and platform is not None:
            victim = restarts[month]
            print(f"\nkilling {victim} (SIGKILL) and restarting it", file=sys.stderr, flush=True)
            platform.restart(victim, crash=True)

    try:
        summary = run_simulation(
            urls,
            args.kafka or "localhost:9092",
            scale,
            args.seed,
            quiet=args.quiet,
            after_move=after_move,
            platform=platform,
            mongo=args.mongo,
        )
        if restarts:
            summary["killed_and_restarted"] = {v: f"month {k + 1}" for k, v in restarts.items()}
            for path in (Path(summary["json_path"]), OUT_DIR / "latest.json"):
                path.write_text(json.dumps(summary, indent=2, default=str))
    finally:
        if platform is not None:
            platform.stop()
        if infra is not None:
            infra.down()
    print(table(summary))
    print(f"\nJSON: {summary.get('json_path')}")
    sys.exit(0 if summary["ok"] else 1)

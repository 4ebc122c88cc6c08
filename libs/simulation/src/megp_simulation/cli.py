"""`python -m megp_simulation`: run the programme through the services and check the invariants.

    uv run python -m megp_simulation --small
    uv run python -m megp_simulation --states 22 --groups 120 --members 200 --months 40
    uv run python -m megp_simulation --small --url enrollment=http://127.0.0.1:8001 ...

Without --url it starts (or reuses) Kafka and the store with `megp_common.launcher` and starts
the five services; with --url for every service it drives those (then --kafka names the broker).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from megp_common.settings import REPO_ROOT, SERVICES
from megp_simulation import kafka
from megp_simulation.api import Api, HeaderFactory, local_tokens
from megp_simulation.invariants import (
    Check,
    check_funds,
    check_instalments,
    check_kafka,
    check_lines,
    read_fund,
)
from megp_simulation.scenario import Scale, Simulation

OUT_DIR = REPO_ROOT / ".local" / "simulation"
PLATFORM_SERVICES = ("enrollment", "funds", "credit", "trade", "ip-counsel")


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
) -> dict[str, Any]:
    """Runs the scenario and the checks; returns the summary (also written as JSON)."""
    api = Api(urls, header or local_tokens())
    started_ms = int(time.time() * 1000) - 1000
    t0 = time.monotonic()
    offsets_before = asyncio.run(kafka.committed_offsets(bootstrap))
    sim = Simulation(api, scale, seed, quiet=quiet)
    sim.after_move = after_move
    sim.obligations = kafka.ObligationFeed(bootstrap, started_ms).start()
    try:
        sim.run()
    finally:
        sim.obligations.stop()
    driven_s = time.monotonic() - t0
    api.note_foreign_moves()
    lag = asyncio.run(kafka.wait_for_zero_lag(bootstrap))
    settled_s = time.monotonic() - t0
    offsets_after = asyncio.run(kafka.committed_offsets(bootstrap))
    consumed = asyncio.run(kafka.consumed_between(offsets_before, offsets_after))
    dlq = asyncio.run(kafka.dead_letters_since(bootstrap, started_ms))
    events = asyncio.run(kafka.events_since(bootstrap, started_ms, sim.event_keys()))
    funds = sim.parallel("checking", lambda g: read_fund(sim, g))
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
    ]
    summary = summarize(sim, funds, lines, events, consumed, checks, api)
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
    ours = len(events.ours)
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


def summarize(
    sim: Simulation,
    funds: list[Any],
    lines: dict[str, dict[str, Any]],
    events: kafka.RunEvents,
    consumed: dict[str, int],
    checks: list[Check],
    api: Api,
) -> dict[str, Any]:
    members = [m for g in sim.groups for m in g.members]
    programmes: Counter[str] = Counter(p for m in members for p in m.programmes)
    states = sorted({g.state for g in sim.groups})

    def total(key: str) -> str:
        return str(sum((Decimal(f.statement[key]) for f in funds), Decimal(0)))

    loans = [loan for g in sim.groups for loan in g.loans]
    instalments = [i for loan in loans for i in loan.instalments]
    outstanding = sum(
        (
            Decimal(i["principal"])
            for loan in loans
            if loan.status == "active"
            for i in loan.instalments
            if i["status"] != "paid"
        ),
        Decimal(0),
    )
    at_risk = sum(
        (
            Decimal(i["principal"])
            for loan in loans
            if loan.status == "active" and _days_past_due(loan, sim) > 30
            for i in loan.instalments
            if i["status"] != "paid"
        ),
        Decimal(0),
    )
    reviews: Counter[str] = Counter(
        r["outcome"] for line in lines.values() for r in line["reviews"]
    )
    leases = [g.lease for g in sim.groups if g.lease]
    by_type = Counter(e["type"] for e in {e["id"]: e for e in events.ours}.values())
    return {
        "seed": sim.seed,
        "scale": asdict(sim.scale),
        "calendar": {
            "from": sim.setup_day.isoformat(),
            "to": sim.end_day.isoformat(),
            "months": sim.scale.months,
        },
        "ok": all(c.ok for c in checks),
        "participants": {
            "total": len(members),
            "women": sum(1 for m in members if m.female),
            "by_programme": dict(sorted(programmes.items())),
            "states": states,
            "groups": len(sim.groups),
            "committees": sum(g.committees for g in sim.groups),
            "committee_members": sum(g.committee_members for g in sim.groups),
        },
        "funds": {
            "trust_cash": total("trust_cash"),
            "development_subfund": total("development_subfund"),
            "competition_subfund": total("competition_subfund"),
            "members_deposits": str(sum((g.deposits_total for g in sim.groups), Decimal(0))),
            "grants_mxn": str(sum((g.grants_mxn for g in sim.groups), Decimal(0))),
            "grants_usd": str(sum((g.grants_usd for g in sim.groups), Decimal(0))),
            "replenished": str(sum((g.replenished for g in sim.groups), Decimal(0))),
            "withdrawn": str(sum((g.withdrawn for g in sim.groups), Decimal(0))),
            "instalments_paid": str(
                sum(
                    (
                        Decimal(i["principal"]) + Decimal(i["interest"])
                        for i in instalments
                        if i["status"] == "paid" and i.get("paid_by") == "fund"
                    ),
                    Decimal(0),
                )
            ),
            "deposits_late": sum(g.deposits_late for g in sim.groups),
            "deposits_never_made": sum(g.deposits_missed for g in sim.groups),
            "notices": sum(len(f.notices) for f in funds),
            "journal_entries": sum(len(f.journal) for f in funds),
        },
        "credit": {
            "lines": len(lines),
            "limits": str(sum((Decimal(x["limit"]) for x in lines.values()), Decimal(0))),
            "reviews": dict(sorted(reviews.items())),
            "loans": len(loans),
            "loans_refused": sum(g.loans_refused for g in sim.groups),
            "disbursed": str(sum((loan.amount for loan in loans), Decimal(0))),
            "repaid_loans": sum(1 for loan in loans if loan.status == "repaid"),
            "outstanding_principal": str(outstanding),
            "par30": str((at_risk / outstanding).quantize(Decimal("0.0001")))
            if outstanding
            else "0",
            "instalments": {
                "scheduled": len(instalments),
                "paid_by_fund": sum(1 for i in instalments if i.get("paid_by") == "fund"),
                "paid_directly": sum(
                    1 for i in instalments if i["status"] == "paid" and i.get("paid_by") != "fund"
                ),
                "overdue": sum(1 for i in instalments if i["status"] == "overdue"),
            },
            "leases": {
                "signed": len(leases),
                "transferred": sum(1 for x in leases if x and x.transferred),
                "completed": sum(1 for x in leases if x and x.status == "completed"),
            },
        },
        "events": {
            "published_since_start_all": events.published,
            "ours": len(by_type),
            "ours_total": sum(by_type.values()),
            "ours_by_type": dict(sorted(by_type.items())),
            "consumed_by_group": consumed,
        },
        "http_calls": api.calls,
        # how the driver learnt that a closed period's obligations existed (see ObligationFeed)
        "obligation_waits": dict(sorted(sim.obligation_waits.items())),
        "checks": [
            {"name": c.name, "ok": c.ok, "checked": c.checked, "how": c.how, "failures": c.failures}
            for c in checks
        ],
    }


def _days_past_due(loan: Any, sim: Simulation) -> int:
    from datetime import date

    unpaid = [
        date.fromisoformat(i["due_date"]) for i in loan.instalments if i["status"] == "overdue"
    ]
    return (sim.end_day - min(unpaid)).days if unpaid else 0


def running_platform() -> dict[str, str]:
    """The five services on this machine's ports (with MEGP_PORT_OFFSET), if all answer."""
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
        raise SystemExit(f"only {up} answer; stop them or pass --url for all five")
    return {}


def table(summary: dict[str, Any]) -> str:
    p, f, c, e = summary["participants"], summary["funds"], summary["credit"], summary["events"]
    rows = [
        ("participants", f"{p['total']} in {p['groups']} groups, {len(p['states'])} states"),
        ("  by programme", ", ".join(f"{k} {v}" for k, v in p["by_programme"].items()) or "-"),
        ("committees / their members", f"{p['committees']} / {p['committee_members']}"),
        ("calendar", f"{summary['calendar']['from']} .. {summary['calendar']['to']}"),
        ("fund trust cash", f["trust_cash"]),
        ("  development / competition", f"{f['development_subfund']} / {f['competition_subfund']}"),
        (
            "  members' deposits",
            f"{f['members_deposits']} ({f['deposits_late']} late, "
            f"{f['deposits_never_made']} never made)",
        ),
        ("  grants", f"{f['grants_mxn']} MXN (of which USD {f['grants_usd']} converted)"),
        ("  replenished / withdrawn", f"{f['replenished']} / {f['withdrawn']}"),
        ("notices of non-fulfillment", str(f["notices"])),
        ("credit lines / limits", f"{c['lines']} / {c['limits']}"),
        ("  reviews", ", ".join(f"{k} {v}" for k, v in c["reviews"].items()) or "-"),
        (
            "loans disbursed",
            f"{c['loans']} for {c['disbursed']} ({c['repaid_loans']} repaid, "
            f"{c['loans_refused']} refused)",
        ),
        ("  instalments", ", ".join(f"{k} {v}" for k, v in c["instalments"].items())),
        ("credit outstanding / PAR30", f"{c['outstanding_principal']} / {c['par30']}"),
        ("leases", ", ".join(f"{k} {v}" for k, v in c["leases"].items())),
        ("events (this run's groups)", f"{e['ours_total']} published"),
        ("events consumed", ", ".join(f"{k} {v}" for k, v in e["consumed_by_group"].items())),
        (
            "elapsed",
            f"{summary['elapsed_s']['total']} s (lag zero at "
            f"{summary['elapsed_s']['until_lag_zero']} s)",
        ),
        ("events per second", str(e["per_second"])),
        ("participant-months per second", str(summary["participant_months_per_second"])),
        ("HTTP calls", f"{summary['http_calls']} ({summary['http_calls_per_second']}/s)"),
        (
            "obligations awaited",
            ", ".join(f"{k} {v}" for k, v in summary["obligation_waits"].items()) or "none",
        ),
    ]
    if summary.get("peak_rss_mib"):
        rows.append(
            (
                "peak memory (MiB)",
                ", ".join(f"{k} {v:.0f}" for k, v in summary["peak_rss_mib"].items()),
            )
        )
    if summary.get("killed_and_restarted"):
        rows.append(
            (
                "killed and restarted",
                ", ".join(f"{k} ({v})" for k, v in summary["killed_and_restarted"].items()),
            )
        )
    rows += [
        (
            ("PASS " if c["ok"] else "FAIL ") + c["name"],
            f"{c['checked']} checks" + ("" if c["ok"] else f": {c['failures'][:3]}"),
        )
        for c in summary["checks"]
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the MEGP programme end to end.")
    parser.add_argument(
        "--small", action="store_true", help="2 states, 4 groups of 6, 10 months (about a minute)"
    )
    parser.add_argument("--states", type=int, help="federal entities (default 22)")
    parser.add_argument("--groups", type=int, help="project groups (default 120)")
    parser.add_argument("--members", type=int, help="members per group (at least 5)")
    parser.add_argument("--months", type=int, help="simulated months (default 40)")
    parser.add_argument("--workers", type=int, help="groups worked at the same time")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--url",
        action="append",
        default=[],
        metavar="SERVICE=URL",
        help="use an already-running service (give all five)",
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
    )
    if scale.members < 5 or not 1 <= scale.states <= 32:
        parser.error("members per group must be at least 5 and states 1..32")
    urls = dict(u.split("=", 1) for u in args.url) or running_platform()
    platform = infra = None
    if urls:
        print(f"using the running services: {urls}", file=sys.stderr, flush=True)
    if set(urls) < set(PLATFORM_SERVICES):
        from megp_common.launcher import LocalInfra, Platform

        infra = LocalInfra()
        env = infra.up()
        platform = Platform(
            env | {"ENVIRONMENT": "development", "CLOCK_REWIND_ALLOWED": "true"}, SERVICES
        )
        print("starting services...", file=sys.stderr, flush=True)
        platform.start()
        urls = {name: p.url for name, p in platform.processes.items()}
        args.kafka = env["KAFKA_BOOTSTRAP_SERVERS"]
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

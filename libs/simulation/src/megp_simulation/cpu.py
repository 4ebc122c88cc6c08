"""Which process bound each phase of a run: the CPU every process of the platform used between
two marks of the driver (the end of the setup, of each month, of the checks), as a share of one
core, from the kernel's counters (`/proc/<pid>/stat`, user and system time).

A process restarted between two marks (`--restart-each`) is counted from its new start: the
time its killed incarnation used since the last mark is lost, a few seconds of one phase.

Each phase also says how busy the whole machine was (`/proc/stat`: every process, the
platform's and anyone else's), so a phase whose platform used little CPU while the machine was
full says it was starved, not idle; and, given a `store` reader (megp_simulation.store_meter),
which collections and commands took the store's time.
"""

from __future__ import annotations

import json
import os
import resource
import time
import tracemalloc
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from megp_simulation import store_meter

TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


#: how many allocation sites a traced mark lists (`MEGP_SIM_TRACEMALLOC`)
TRACED_SITES = 12


def resident_mib() -> float:
    """The driver's resident memory now (`/proc/self/statm`'s second field, in pages)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def traced_top(n: int) -> dict[str, Any]:
    """While tracemalloc traces (the checks, with `MEGP_SIM_TRACEMALLOC=1`): the memory Python
    allocated since tracing began and still holds, its peak, and the `n` source lines holding
    the most of it. The peak is reset, so each mark's is its own phase's."""
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    stats = tracemalloc.take_snapshot().statistics("lineno")[:n]
    return {
        "current_mib": round(current / 2**20, 1),
        "peak_mib": round(peak / 2**20, 1),
        "sites": [
            f"{s.traceback[0].filename.rsplit('/', 1)[-1]}:{s.traceback[0].lineno} "
            f"{s.size / 2**20:.1f} MiB in {s.count}"
            for s in stats
        ],
    }


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of every core since boot (`/proc/stat`'s first line; idle and
    iowait are not busy)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return (0, 0)
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return (total - idle, total)


def cpu_seconds(pid: int) -> float | None:
    """User plus system time of a process so far, None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name, in parentheses, may hold spaces: the fields follow its last ")"
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class CpuMeter:
    """`mark(phase)` closes the phase that began at the previous mark (or at the meter's start)
    with each process's share of a core over it; `pids()` names the processes to read each
    time, so that a restarted service is read under its new pid."""

    def __init__(
        self,
        pids: Callable[[], Mapping[str, int]],
        log: Path | None = None,
        store: Callable[[], store_meter.Totals] | None = None,
    ) -> None:
        """`log`: a file each mark is appended to as one JSON line, so that a run stopped
        before its summary still says where its time went. `store`: reads the services' store
        totals (`store_meter.read_totals`)."""
        self.pids, self.log, self.store = pids, log, store
        self.phases: list[dict[str, Any]] = []
        self._at = time.monotonic()
        self._seen: dict[str, tuple[int, float]] = self._read()
        self._ticks = machine_ticks()
        self._store = store() if store is not None else {}

    def _read(self) -> dict[str, tuple[int, float]]:
        out = {}
        for name, pid in self.pids().items():
            used = cpu_seconds(pid)
            if used is not None:
                out[name] = (pid, used)
        return out

    def mark(self, phase: str) -> dict[str, Any]:
        now, seen = time.monotonic(), self._read()
        wall = max(now - self._at, 1e-6)
        shares = {}
        for name, (pid, used) in seen.items():
            before = self._seen.get(name)
            # a new pid: a restart after the last mark, counted from its start
            since = used - before[1] if before is not None and before[0] == pid else used
            shares[name] = round(max(since, 0.0) / wall, 3)
        ticks = machine_ticks()
        busy, total = ticks[0] - self._ticks[0], ticks[1] - self._ticks[1]
        self._at, self._seen, self._ticks = now, seen, ticks
        phase_row: dict[str, Any] = {
            "phase": phase,
            "wall_s": round(wall, 1),
            "core_share": shares,
            "machine_busy": round(busy / total, 3) if total > 0 else None,
            # the driver's own peak resident memory so far (ru_maxrss is in KiB on Linux): the
            # mark after which it rose says which phase held the most
            "driver_peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            # and what it holds now: a peak reached inside a phase and given back by its end
            # shows as a peak above both marks' resident figures
            "driver_rss_mib": resident_mib(),
        }
        if tracemalloc.is_tracing():
            phase_row["driver_traced"] = traced_top(TRACED_SITES)
        if self.store is not None:
            store_now = self.store()
            asked = store_meter.since(self._store, store_now)
            phase_row["store"] = store_meter.top(asked, 12)
            phase_row["store_total"] = store_meter.total(asked)
            phase_row["store_by_service"] = store_meter.by_service(asked)
            self._store = store_now
        self.phases.append(phase_row)
        if self.log is not None:
            with self.log.open("a") as out:
                out.write(json.dumps(phase_row) + "\n")
        return phase_row


def by_stage(phases: list[dict[str, Any]], months_per_stage: int = 12) -> list[dict[str, Any]]:
    """The marks folded into the stages a reader compares: the setup, each year of months, and
    whatever came after them (settling, the checks), each with every process's share of a core
    weighted by the months' lengths, the busiest process, and the machine's load (the shares'
    sum over its cores)."""
    stages: list[tuple[str, list[dict[str, Any]]]] = []
    for row in phases:
        name = row["phase"]
        if name.startswith("month "):
            month = int(name.split()[1])
            first = (month - 1) // months_per_stage * months_per_stage + 1
            label = f"months {first}-{first + months_per_stage - 1}"
        else:
            label = name
        if stages and stages[-1][0] == label:
            stages[-1][1].append(row)
        else:
            stages.append((label, [row]))
    out = []
    for label, rows in stages:
        wall = sum(r["wall_s"] for r in rows)
        names = {n for r in rows for n in r["core_share"]}
        shares = {
            n: round(sum(r["core_share"].get(n, 0.0) * r["wall_s"] for r in rows) / wall, 2)
            for n in sorted(names)
        }
        if label.startswith("months "):
            last = int(rows[-1]["phase"].split()[1])
            label = f"{label.split('-')[0]}-{last}"
        busiest = max(shares, key=lambda n: shares[n]) if shares else None
        known = [r for r in rows if r.get("machine_busy") is not None]
        busy_wall = sum(r["wall_s"] for r in known)
        store: dict[str, tuple[float, float]] = {}
        totals = [r["store_total"] for r in rows if r.get("store_total")]
        for r in rows:
            for key, (count, seconds) in (r.get("store") or {}).items():
                was = store.get(key, (0.0, 0.0))
                store[key] = (was[0] + count, was[1] + seconds)
        out.append(
            {
                "stage": label,
                "wall_s": round(wall, 1),
                "bound_by": busiest,
                "machine_load": round(sum(shares.values()) / CORES, 2),
                "machine_busy": (
                    round(sum(r["machine_busy"] * r["wall_s"] for r in known) / busy_wall, 2)
                    if busy_wall
                    else None
                ),
                "core_share": shares,
                # the driver's peak so far at the stage's end, and what it held then
                "driver_peak_mib": max((r.get("driver_peak_mib") or 0) for r in rows),
                "driver_rss_mib": rows[-1].get("driver_rss_mib"),
                "store": store_meter.top(store, 8),
                "store_total": (
                    [sum(int(t[0]) for t in totals), round(sum(t[1] for t in totals), 1)]
                    if totals
                    else None
                ),
            }
        )
    return out


def stage_rows(stages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """One line per stage for the summary's table: the busiest processes first."""
    rows = []
    for s in stages:
        top = sorted(s["core_share"].items(), key=lambda kv: -kv[1])[:4]
        busy = s.get("machine_busy")
        whole = f" (the machine {busy:.0%} busy)" if busy is not None else ""
        rows.append(
            (
                f"  {s['stage']}",
                f"{s['wall_s']} s, bound by {s['bound_by']}; the platform "
                f"{s['machine_load']:.0%} of the machine{whole}; "
                + ", ".join(f"{n} {v:.0%}" for n, v in top)
                + (
                    f"; the driver {s['driver_rss_mib']} MiB (peak {s['driver_peak_mib']})"
                    if s.get("driver_rss_mib") is not None
                    else ""
                ),
            )
        )
        if s.get("store"):
            total = s.get("store_total")
            every = f"{total[0]:,} commands, {total[1]:,.0f} s in all; " if total else ""
            rows.append(("    store time", every + store_meter.describe(s["store"])))
    return rows

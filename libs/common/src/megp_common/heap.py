"""An opt-in heap profile for a service's process, for finding what grows with a long run.

Set `MEGP_HEAP_PROFILE_DIR` to a folder and every service started with it traces its Python
allocations (`tracemalloc`) and, every `MEGP_HEAP_PROFILE_EVERY_S` seconds (default 120), writes
the allocation sites holding the most memory, with how much each grew since the previous report,
to `<folder>/<service>-<pid>.txt` (the newest report replaces the file). Tracing costs CPU and
memory, so a live platform never sets it; it is a tool for a measurement run."""

from __future__ import annotations

import linecache
import os
import threading
import time
import tracemalloc
from pathlib import Path

TOP_LINES = 30
TOP_CHAINS = 15
FRAMES = 8


def start_if_asked(service: str) -> None:
    folder = os.environ.get("MEGP_HEAP_PROFILE_DIR")
    if not folder:
        return
    every_s = float(os.environ.get("MEGP_HEAP_PROFILE_EVERY_S", "120"))
    path = Path(folder) / f"{service}-{os.getpid()}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    tracemalloc.start(FRAMES)
    thread = threading.Thread(
        target=_report_forever, args=(path, every_s), name="heap-profile", daemon=True
    )
    thread.start()


def _report_forever(path: Path, every_s: float) -> None:
    previous: tracemalloc.Snapshot | None = None
    started = time.monotonic()
    while True:
        time.sleep(every_s)
        snapshot = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__),)
        )
        path.write_text(_report(snapshot, previous, time.monotonic() - started))
        previous = snapshot


def _report(
    snapshot: tracemalloc.Snapshot, previous: tracemalloc.Snapshot | None, elapsed_s: float
) -> str:
    current, peak = tracemalloc.get_traced_memory()
    lines = [
        f"after {elapsed_s:.0f} s: traced {current / 2**20:.1f} MiB (peak {peak / 2**20:.1f} MiB)",
        "",
        f"top {TOP_LINES} allocating lines by size:",
    ]
    for stat in _top(snapshot, previous, "lineno", TOP_LINES):
        frame = stat.traceback[0]
        lines.append(f"{_sizes(stat)}  {frame.filename}:{frame.lineno}")
        lines.append(f"      {linecache.getline(frame.filename, frame.lineno).strip()}")
    lines += ["", f"top {TOP_CHAINS} call chains by size (the allocating line first):"]
    for stat in _top(snapshot, previous, "traceback", TOP_CHAINS):
        lines.append(_sizes(stat))
        lines.extend(f"    {f.filename}:{f.lineno}" for f in reversed(stat.traceback))
    return "\n".join(lines) + "\n"


def _top(
    snapshot: tracemalloc.Snapshot, previous: tracemalloc.Snapshot | None, key: str, n: int
) -> list[tracemalloc.StatisticDiff]:
    stats = (
        snapshot.compare_to(previous, key)
        if previous is not None
        else [_as_diff(stat) for stat in snapshot.statistics(key)]
    )
    stats.sort(key=lambda stat: stat.size, reverse=True)
    return stats[:n]


def _sizes(stat: tracemalloc.StatisticDiff) -> str:
    return (
        f"{stat.size / 2**20:9.2f} MiB ({stat.size_diff / 2**20:+8.2f}) "
        f"{stat.count:9d} blocks ({stat.count_diff:+d})"
    )


def _as_diff(stat: tracemalloc.Statistic) -> tracemalloc.StatisticDiff:
    return tracemalloc.StatisticDiff(stat.traceback, stat.size, stat.size, stat.count, stat.count)

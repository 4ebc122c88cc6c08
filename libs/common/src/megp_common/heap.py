"""An opt-in heap profile for a service's process, for finding what grows with a long run.

Set `MEGP_HEAP_PROFILE_DIR` to a folder and every service started with it traces its Python
allocations (`tracemalloc`) and, every `MEGP_HEAP_PROFILE_EVERY_S` seconds (default 120), writes
the allocation sites holding the most memory, with how much each grew since the previous report,
to `<folder>/<service>-<pid>.txt` (the newest report replaces the file). Each allocation keeps
`MEGP_HEAP_PROFILE_FRAMES` frames (default 1, the allocating line: the cheapest; more adds the
call chains, at several times the cost); `MEGP_HEAP_PROFILE_SERVICES` (package names, comma
separated, e.g. `funds,trade`) limits it to those services. Tracing costs CPU and memory, so a
live platform never sets it; it is a tool for a measurement run."""

from __future__ import annotations

import linecache
import os
import threading
import time
import tracemalloc
from pathlib import Path

TOP_LINES = 30
TOP_CHAINS = 15
FRAMES = 1


Sizes = dict[tuple[str, int], tuple[int, int]]  # (file, line) -> (bytes, blocks)


def start_if_asked(service: str) -> None:
    folder = os.environ.get("MEGP_HEAP_PROFILE_DIR")
    only = os.environ.get("MEGP_HEAP_PROFILE_SERVICES", "")
    if not folder or (only and service not in only.split(",")):
        return
    every_s = float(os.environ.get("MEGP_HEAP_PROFILE_EVERY_S", "120"))
    frames = int(os.environ.get("MEGP_HEAP_PROFILE_FRAMES", str(FRAMES)))
    path = Path(folder) / f"{service}-{os.getpid()}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    tracemalloc.start(frames)
    thread = threading.Thread(
        target=_report_forever, args=(path, every_s), name="heap-profile", daemon=True
    )
    thread.start()


def _report_forever(path: Path, every_s: float) -> None:
    previous: Sizes = {}
    started = time.monotonic()
    while True:
        time.sleep(every_s)
        snapshot = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__),)
        )
        text, previous = _report(snapshot, previous, time.monotonic() - started)
        del snapshot
        path.write_text(text)


def _report(snapshot: tracemalloc.Snapshot, previous: Sizes, elapsed_s: float) -> tuple[str, Sizes]:
    """The report, and the sizes by line it compared with `previous` (the last report's)."""
    current, peak = tracemalloc.get_traced_memory()
    lines = [
        f"after {elapsed_s:.0f} s: traced {current / 2**20:.1f} MiB (peak {peak / 2**20:.1f} MiB)",
        "",
        f"top {TOP_LINES} allocating lines by size (growth since the last report):",
    ]
    sizes: Sizes = {}
    for stat in snapshot.statistics("lineno"):
        frame = stat.traceback[0]
        sizes[(frame.filename, frame.lineno)] = (stat.size, stat.count)
    top = sorted(sizes.items(), key=lambda item: item[1][0], reverse=True)[:TOP_LINES]
    for (filename, lineno), (size, count) in top:
        was_size, was_count = previous.get((filename, lineno), (0, 0))
        lines.append(
            f"{size / 2**20:9.2f} MiB ({(size - was_size) / 2**20:+8.2f}) "
            f"{count:9d} blocks ({count - was_count:+d})  {filename}:{lineno}"
        )
        lines.append(f"      {linecache.getline(filename, lineno).strip()}")
    if tracemalloc.get_traceback_limit() > 1:
        lines += ["", f"top {TOP_CHAINS} call chains by size (the allocating line first):"]
        chains = snapshot.statistics("traceback")[:TOP_CHAINS]
        for stat in chains:
            lines.append(f"{stat.size / 2**20:9.2f} MiB {stat.count:9d} blocks")
            lines.extend(f"    {f.filename}:{f.lineno}" for f in reversed(stat.traceback))
    return "\n".join(lines) + "\n", sizes

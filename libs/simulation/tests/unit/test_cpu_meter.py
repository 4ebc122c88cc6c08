"""The CPU meter names the process that used the most CPU in a phase, folds months into
years, and counts a restarted process from its new start."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from megp_simulation.cpu import CpuMeter, by_stage, cpu_seconds


def test_the_busy_process_bounds_the_phase() -> None:
    spinner = subprocess.Popen(
        [sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<30: pass"]
    )
    try:
        pids = {"driver": os.getpid(), "spinner": spinner.pid}
        meter = CpuMeter(lambda: pids)
        before = cpu_seconds(spinner.pid)
        time.sleep(1.5)  # the driver sleeps; the spinner spins
        row = meter.mark("setup")
        after = cpu_seconds(spinner.pid)
    finally:
        spinner.kill()
        spinner.wait()
    assert before is not None and after is not None
    # its share is the CPU it used over the phase's wall time (however busy the machine is)
    assert abs(row["core_share"]["spinner"] - (after - before) / row["wall_s"]) < 0.05
    assert row["core_share"]["spinner"] > 0
    assert row["core_share"]["driver"] < row["core_share"]["spinner"]
    (stage,) = by_stage(meter.phases)
    assert stage["stage"] == "setup" and stage["bound_by"] == "spinner"


def test_months_fold_into_years_weighted_by_their_length() -> None:
    phases = [
        {"phase": "setup", "wall_s": 10.0, "core_share": {"a": 1.0, "b": 0.1}},
        {"phase": "month 1", "wall_s": 10.0, "core_share": {"a": 0.2, "b": 0.9}},
        {"phase": "month 2", "wall_s": 30.0, "core_share": {"a": 0.6, "b": 0.1}},
        {"phase": "month 13", "wall_s": 5.0, "core_share": {"a": 0.0, "b": 0.5}},
        {"phase": "checks", "wall_s": 2.0, "core_share": {"a": 0.5}},
    ]
    stages = by_stage(phases)
    assert [s["stage"] for s in stages] == ["setup", "months 1-2", "months 13-13", "checks"]
    year = stages[1]
    assert year["wall_s"] == 40.0
    assert year["core_share"] == {"a": 0.5, "b": 0.3}  # (0.2*10 + 0.6*30) / 40, (9 + 3) / 40
    assert year["bound_by"] == "a"
    assert stages[2]["bound_by"] == "b"


def test_a_restarted_process_is_counted_from_its_new_start() -> None:
    first = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    current = {"svc": first.pid}
    meter = CpuMeter(lambda: dict(current))
    first.kill()
    first.wait()
    # the new incarnation spins until it has used half a second of CPU (however long a busy
    # machine makes that take), then idles
    spin = "import time\nwhile time.process_time() < 0.5: pass\ntime.sleep(60)"
    second = subprocess.Popen([sys.executable, "-c", spin])
    current["svc"] = second.pid
    deadline = time.monotonic() + 120
    used = cpu_seconds(second.pid)
    while (used is None or used < 0.4) and time.monotonic() < deadline:
        time.sleep(0.1)
        used = cpu_seconds(second.pid)
    row = meter.mark("month 1")
    second.kill()
    second.wait()
    assert used is not None and used >= 0.4  # the kernel counts in ticks: 0.49 s of 0.5
    # all of the new incarnation's time, not its time less the old one's
    # (in CPU seconds, to two of the kernel's 10 ms ticks: the share is rounded to 0.001)
    assert row["core_share"]["svc"] * row["wall_s"] >= used - 0.02
    assert cpu_seconds(second.pid) is None


def test_each_mark_is_logged_as_it_is_made(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    log = tmp_path / "cpu.jsonl"
    meter = CpuMeter(lambda: {"driver": os.getpid()}, log)
    meter.mark("setup")
    meter.mark("month 1")
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["phase"] for r in rows] == ["setup", "month 1"]
    assert rows == meter.phases

"""The store meter reads what each phase asked of the store from the services' /metrics: counts
and seconds by service, collection and command, counted from a restarted service's new start,
folded into stages and named in the summary's table; and the CPU meter says how busy the whole
machine was."""

from __future__ import annotations

import subprocess
import sys
import time

from prometheus_client import CollectorRegistry, Counter, generate_latest

from megp_simulation import store_meter
from megp_simulation.cpu import CpuMeter, by_stage, stage_rows


def metrics_text(rows: list[tuple[str, str, str, int, float]]) -> str:
    """/metrics as a service answers it, with these (database, collection, command, count,
    seconds) store totals."""
    registry = CollectorRegistry()
    count = Counter(
        "megp_store_commands", "", ["database", "collection", "command"], registry=registry
    )
    seconds = Counter(
        "megp_store_command_seconds", "", ["database", "collection", "command"], registry=registry
    )
    for db, col, cmd, n, s in rows:
        count.labels(db, col, cmd).inc(n)
        seconds.labels(db, col, cmd).inc(s)
    return generate_latest(registry).decode()


def test_totals_are_read_by_service_collection_and_command() -> None:
    text = metrics_text(
        [
            ("megp_enrollment", "participants", "find", 3201, 2196.5),
            ("megp_enrollment", "curps", "find", 3200, 259.3),
        ]
    )
    totals = store_meter.parse_totals("enrollment", text)
    assert totals == {
        "enrollment participants find": (3201.0, 2196.5),
        "enrollment curps find": (3200.0, 259.3),
    }


def test_a_phase_counts_what_was_asked_since_the_last_reading() -> None:
    before = {"trade orders update": (100.0, 5.0), "trade stock find": (40.0, 1.0)}
    now = {
        "trade orders update": (160.0, 8.0),
        "trade stock find": (40.0, 1.0),  # nothing asked: left out
        "trade sale_lines insert": (7.0, 0.5),  # new
        "funds funds update": (3.0, 0.2),  # funds restarted: its totals began again
    }
    before["funds funds update"] = (900.0, 40.0)
    assert store_meter.since(before, now) == {
        "trade orders update": (60.0, 3.0),
        "trade sale_lines insert": (7.0, 0.5),
        "funds funds update": (3.0, 0.2),
    }
    ranked = store_meter.top(store_meter.since(before, now), 2)
    assert list(ranked) == ["trade orders update", "trade sale_lines insert"]
    assert store_meter.describe(ranked) == (
        "trade orders update 60 at 50 ms, trade sale_lines insert 7 at 71 ms"
    )
    # every command's count, by service, most first (what `top` leaves out too)
    assert store_meter.by_service(store_meter.since(before, now)) == {
        "trade": {"orders update": 60, "sale_lines insert": 7},
        "funds": {"funds update": 3},
    }


def test_stages_fold_the_store_and_say_how_busy_the_machine_was() -> None:
    readings = iter(
        [
            {"enrollment groups find": (0.0, 0.0)},
            {"enrollment groups find": (10.0, 1.0)},
            {"enrollment groups find": (30.0, 4.0), "trade orders update": (5.0, 0.5)},
        ]
    )
    spinner = subprocess.Popen(
        [sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<30: pass"]
    )
    try:
        meter = CpuMeter(lambda: {"spinner": spinner.pid}, store=lambda: next(readings))
        time.sleep(1.0)
        first = meter.mark("month 1")
        time.sleep(1.0)
        meter.mark("month 2")
    finally:
        spinner.kill()
        spinner.wait()
    # the spinner's core share counts in the machine's (a busy machine gives it less than a
    # core, so its share is only known to be above nothing)
    assert first["machine_busy"] is not None
    assert first["core_share"]["spinner"] > 0
    assert first["machine_busy"] >= first["core_share"]["spinner"] / 2 - 0.05
    assert first["machine_busy"] > 0
    assert first["store"] == {"enrollment groups find": [10, 1.0]}
    assert first["store_total"] == [10, 1.0]
    (stage,) = by_stage(meter.phases)
    assert stage["store"] == {"enrollment groups find": [30, 4.0], "trade orders update": [5, 0.5]}
    assert 0 < stage["machine_busy"] <= 1
    assert stage["store_total"] == [35, 4.5]
    rows = dict(stage_rows([stage]))
    assert (
        rows["    store time"] == "35 commands, 4 s in all; "
        "enrollment groups find 30 at 133 ms, trade orders update 5 at 100 ms"
    )
    assert "the machine" in rows["  months 1-2"]

"""The opt-in heap profile names the line that holds the memory, and how much it grew."""

import tracemalloc

from megp_common.heap import _report


def test_the_report_names_the_growing_line_and_its_growth() -> None:
    tracemalloc.start(4)
    try:
        _, before = _report(tracemalloc.take_snapshot(), {}, 1.0)
        held = [bytes(4096) for _ in range(2000)]  # about 8 MiB, allocated on this line
        text, _ = _report(tracemalloc.take_snapshot(), before, 3.0)
    finally:
        tracemalloc.stop()
    assert len(held) == 2000
    assert text.startswith("after 3 s: traced")
    top = text.split("since the last report):\n", 1)[1].splitlines()
    assert "test_heap.py:" in top[0]
    assert "allocated on this line" in top[1]
    size_mib = float(top[0].split("MiB")[0])
    growth_mib = float(top[0].split("(")[1].split(")")[0])
    assert 7.5 < size_mib < 9.5
    assert 7.5 < growth_mib < 9.5
    chains = text.split("allocating line first):\n", 1)[1].splitlines()
    assert "test_heap.py:" in chains[1]

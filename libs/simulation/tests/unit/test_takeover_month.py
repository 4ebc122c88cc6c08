"""A line is taken over in a month when lines are open: the second year's first month, or half
a shorter run, never before the fifth month (a line opens three months after its fund), so a
run too short for a takeover does not expect one."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from megp_simulation.credit import takeover_month


def sim_of(months: int) -> Any:
    return SimpleNamespace(scale=SimpleNamespace(months=months))


def test_the_takeover_waits_for_open_lines() -> None:
    assert takeover_month(sim_of(40)) == 12
    assert takeover_month(sim_of(16)) == 12
    assert takeover_month(sim_of(10)) == 5  # the --small preset's, as before
    assert takeover_month(sim_of(13)) == 6
    for months in (2, 3, 4, 6, 8):
        # no earlier than index 4; a run of 4 months or fewer never reaches it (no expectation)
        month = takeover_month(sim_of(months))
        assert month >= 4
        assert (months > month) == (months > 4)

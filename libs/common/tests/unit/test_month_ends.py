"""Months for the reports kept over time: a month's last instant, which months a clock left
behind (bounded), and the ranges a caller may ask for (bad ones refused, 422)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from megp_common.month_ends import (
    MAX_MONTHS,
    last_day,
    month_end,
    month_range,
    months,
    months_ended,
    next_month,
    previous_month,
)
from megp_common.refusals import ValidationFailed


def test_a_month_ends_at_the_last_instant_of_its_last_day() -> None:
    assert last_day("2032-02") == date(2032, 2, 29)
    assert last_day("2030-12") == date(2030, 12, 31)
    assert month_end("2030-04") == datetime(2030, 4, 30, 23, 59, 59, 999999, tzinfo=UTC)
    assert next_month("2030-12") == "2031-01"
    assert previous_month("2031-01") == "2030-12"
    assert months("2030-11", "2031-02") == ["2030-11", "2030-12", "2031-01", "2031-02"]
    assert months("2031-02", "2030-11") == []


def test_the_months_due_are_those_wholly_past_after_the_last_written() -> None:
    today = date(2030, 5, 1)
    assert months_ended(today, "2030-02", None) == ["2030-03", "2030-04"]
    assert months_ended(today, "2030-04", None) == []
    assert months_ended(today, None, date(2030, 3, 15)) == ["2030-03", "2030-04"]
    assert months_ended(today, None, None) == []
    # the month of today is never due, however late in it
    assert months_ended(date(2030, 4, 30), None, date(2030, 4, 1)) == []
    # a clock that jumped years writes the latest MAX_MONTHS only
    due = months_ended(date(2040, 1, 1), "2030-01", None)
    assert len(due) == MAX_MONTHS and due[-1] == "2039-12"


def test_a_range_defaults_to_the_twelve_months_before_today() -> None:
    span = month_range(None, None, date(2030, 5, 20))
    assert span[0] == "2029-05" and span[-1] == "2030-04" and len(span) == 12
    assert month_range("2030-01", "2030-03", date(2030, 5, 20)) == ["2030-01", "2030-02", "2030-03"]
    assert month_range(None, "2030-01", date(2031, 1, 1))[0] == "2029-02"


@pytest.mark.parametrize(
    ("since", "until"),
    [
        ("2030-05", "2030-04"),
        ("2027-01", "2030-04"),
        ("2030-13", None),
        ("2030-1", None),
        ("0000-01", None),
        ("9999-12", "9999-12"),
    ],
)
def test_a_bad_range_is_refused(since: str, until: str | None) -> None:
    with pytest.raises(ValidationFailed):
        month_range(since, until, date(2030, 5, 20))

"""Income growth per closed period by state [¶65]: each month's states and their sum, and the
months together are the report over all closed periods."""

from __future__ import annotations

from decimal import Decimal

from enrollment.domain.reports import ClosedResult, growth_by_month, income_growth

D = Decimal


def test_each_month_by_state_and_in_all_and_the_months_add_up_to_the_whole() -> None:
    rows = [
        ("2030-02", "09", ClosedResult("p1", D("1200.00"), D("1000.00"))),
        ("2030-02", "09", ClosedResult("p2", D("800.00"), D("1000.00"))),
        ("2030-02", "15", ClosedResult("p3", D("1500.00"), D("1000.00"))),
        ("2030-01", "09", ClosedResult("p1", D("1100.00"), D("1000.00"))),
    ]
    months = growth_by_month(rows)
    assert [m.month for m in months] == ["2030-01", "2030-02"]
    feb = months[1]
    assert sorted(feb.states) == ["09", "15"]
    assert feb.states["09"].incremental_income == D("0.00")
    assert feb.states["09"].members_above_baseline == 1
    assert feb.states["15"].growth_rate == D("0.5000")
    assert feb.total.incremental_income == D("500.00")
    assert feb.total.members == 3
    whole = income_growth(r for _, _, r in rows)
    assert sum((m.total.incremental_income for m in months), D(0)) == whole.incremental_income
    assert sum(m.total.periods for m in months) == whole.periods == 4


def test_no_closed_period_no_month() -> None:
    assert growth_by_month([]) == []

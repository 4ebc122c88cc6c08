"""Business periods and what a closed period owes [¶62-¶68, ¶71].

A plan's periods follow one another from its start date (always the first day of a month), each
`months` long. Closing a period compares its income with the baseline: the incremental income.
When positive, the member deposits 10 % of it in the group's fund [¶71] and shares 25 % of it
with the Development Organization [¶68]; when not, nothing is owed. Amounts are rounded half-even
to the centavo when the period closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from enrollment.domain.errors import InvalidData
from megp_common.money import Money

CENTAVO = Decimal("0.01")


def add_months(day: date, months: int) -> date:
    """`day` (the first of a month) plus `months` months."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, later: date) -> int:
    return (later.year - start.year) * 12 + later.month - start.month


def require_first_of_month(day: date, what: str) -> date:
    if day.day != 1:
        raise InvalidData(
            f"{what} must be the first day of a month, not {day.isoformat()}",
            field=what.replace(" ", "_"),
        )
    return day


@dataclass(frozen=True)
class Period:
    start: date
    months: int

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        return add_months(self.start, self.months) - timedelta(days=1)

    def ended_by(self, today: date) -> bool:
        return self.end < today

    def following(self) -> Period:
        return Period(add_months(self.start, self.months), self.months)


def period_of_plan(plan_start: date, months: int, period_start: date) -> Period:
    """The plan period that starts on `period_start`, or InvalidData when none does."""
    require_first_of_month(period_start, "period start")
    offset = months_between(plan_start, period_start)
    if offset < 0 or offset % months:
        raise InvalidData(
            f"{period_start.isoformat()} does not start a period of a plan that began "
            f"{plan_start.isoformat()} with {months}-month periods",
            field="period_start",
        )
    return Period(period_start, months)


def period_containing(plan_start: date, months: int, day: date) -> Period | None:
    """The plan period that contains `day`, or None when `day` is before the plan began."""
    offset = months_between(plan_start, day)
    if offset < 0:
        return None
    return Period(add_months(plan_start, offset - offset % months), months)


def calendar_period(months: int, day: date) -> Period:
    """The period of `months` months counted from January that contains `day` (where a sale of
    a group without plans is kept)."""
    found = period_containing(date(day.year, 1, 1), months, day)
    assert found is not None
    return found


def money(value: Decimal, what: str) -> Decimal:
    """An amount in pesos with at most two decimals, never negative."""
    if not value.is_finite() or value < 0:
        raise InvalidData(f"{what} must be zero or more, got {value}", field=what)
    if value != value.quantize(CENTAVO):
        raise InvalidData(f"{what} has more than two decimals: {value}", field=what)
    return value.quantize(CENTAVO)


@dataclass(frozen=True)
class Outcome:
    income: Decimal
    baseline: Decimal
    incremental_income: Decimal
    deposit_due: Decimal
    odf_share: Decimal


def outcome(
    income: Decimal, baseline: Decimal, deposit_rate: Decimal, odf_rate: Decimal
) -> Outcome:
    incremental = income - baseline
    if incremental <= 0:
        zero = Decimal("0.00")
        return Outcome(income, baseline, incremental, zero, zero)
    gain = Money(incremental)
    return Outcome(
        income,
        baseline,
        incremental,
        gain.scaled(deposit_rate).quantized().amount,
        gain.scaled(odf_rate).quantized().amount,
    )

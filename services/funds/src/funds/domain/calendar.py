"""Date arithmetic the fund's rules need (calendar months and years, ages)."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from megp_common.money import Money


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def age_on(birth: date, day: date) -> int:
    before_birthday = (day.month, day.day) < (birth.month, birth.day)
    return day.year - birth.year - (1 if before_birthday else 0)


def to_cents(amount: Decimal) -> int:
    """Half-even to the centavo: the only place an amount is rounded, at posting time."""
    return Money(amount, "MXN").to_cents()


def to_amount(cents: int) -> Decimal:
    return Money.from_cents(cents, "MXN").amount

"""Repayment schedules, exact to the centavo [¶89].

Conventions (documented in services/credit/README.md):
- Monthly instalments; interest per period = outstanding principal x annual rate / 12 (the 30/360
  day count: every month is a twelfth of a year, whatever its length).
- Amounts are computed with full Decimal precision and rounded half-even to the centavo once per
  line. The last instalment absorbs every rounding difference: its principal is exactly what is
  still owed, so the schedule always ends at a balance of zero.
- French amortization (equal instalments) by default; equal principal as an option.
- A term so long for its amount and rate that the rounded instalments would repay the loan early
  (tiny loans at very high rates) is refused rather than padded with empty instalments.
- Due dates fall on the disbursement's day of the month, or the month's last day when shorter.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from enum import StrEnum

CENT = Decimal("0.01")


class AmortizationMethod(StrEnum):
    FRENCH = "french"
    EQUAL_PRINCIPAL = "equal_principal"


@dataclass(frozen=True)
class Instalment:
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    balance_after: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def periodic_rate(annual_rate: Decimal) -> Decimal:
    return annual_rate / 12


def level_payment(principal: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """The French instalment, unrounded: P * r / (1 - (1 + r)^-n), or P / n without interest."""
    with localcontext() as ctx:
        ctx.prec = 40
        r = periodic_rate(annual_rate)
        if r == 0:
            return principal / months
        return principal * r / (1 - (1 + r) ** -months)


def build_schedule(
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    first_due: date,
    method: AmortizationMethod = AmortizationMethod.FRENCH,
) -> list[Instalment]:
    if principal <= 0:
        raise ValueError("the principal must be positive")
    if months < 1:
        raise ValueError("the term must be at least one month")
    if annual_rate < 0:
        raise ValueError("the rate cannot be negative")
    principal = cents(principal)
    payment = cents(level_payment(principal, annual_rate, months))
    equal_part = cents(principal / months)
    balance = principal
    lines: list[Instalment] = []
    for n in range(1, months + 1):
        interest = cents(balance * annual_rate / 12)
        if n == months:
            part = balance
        elif method is AmortizationMethod.FRENCH:
            part = min(balance, max(Decimal(0), payment - interest))
        else:
            part = min(balance, equal_part)
        if part == balance and n < months:
            raise ValueError(
                f"{months} months is too long a term for {principal} at {annual_rate:%}: rounded "
                "to the centavo, the instalments would repay it before the term ends"
            )
        balance -= part
        lines.append(Instalment(n, add_months(first_due, n - 1), part, interest, balance))
    return lines

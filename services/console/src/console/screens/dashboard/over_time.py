"""One group over the last months, from the services' own answers: its fund's two sub-funds at
each month's end and today (funds `GET /funds/{id}/statement?on=`) and its members' income
against their baseline in each closed month (enrollment `GET /groups/{id}/periods/{start}`, the
results in force) [¶65]. Pure: the route fetches, this sums what came back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

MONTHS = 6


def months_before(today: date, count: int = MONTHS) -> list[date]:
    """The first days of the `count` whole months before today's, oldest first."""
    starts: list[date] = []
    first = today.replace(day=1)
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        starts.append(first)
    return starts[::-1]


def month_end(start: date) -> date:
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class FundMonth:
    on: date  # the statement's day (its end)
    development: Decimal
    competition: Decimal

    @property
    def total(self) -> Decimal:
        return self.development + self.competition


@dataclass(frozen=True, slots=True)
class IncomeMonth:
    month: date
    members: int  # members with a result in force
    income: Decimal
    baseline: Decimal
    incremental: Decimal

    @property
    def growth(self) -> Decimal | None:
        return self.incremental / self.baseline if self.baseline > 0 else None


def fund_month(on: date, statement: dict[str, Any]) -> FundMonth:
    return FundMonth(
        on,
        Decimal(str(statement["development_subfund"])),
        Decimal(str(statement["competition_subfund"])),
    )


def income_month(month: date, period: dict[str, Any]) -> IncomeMonth:
    results = [m["result"] for m in period.get("members") or [] if m.get("result")]
    return IncomeMonth(
        month,
        len(results),
        sum((Decimal(str(r["income"])) for r in results), Decimal(0)),
        sum((Decimal(str(r["baseline"])) for r in results), Decimal(0)),
        sum((Decimal(str(r["incremental_income"])) for r in results), Decimal(0)),
    )

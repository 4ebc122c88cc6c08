"""Equal-opportunity and income figures of the programme [¶20, ¶65]."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

SHARE_PLACES = Decimal("0.0001")


def share(part: int, whole: int) -> Decimal:
    """`part` of `whole` as a fraction with four decimals (0 when there is no whole)."""
    if whole <= 0:
        return Decimal("0.0000")
    return (Decimal(part) / Decimal(whole)).quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN)


def shares(counts: Mapping[str, int], whole: int) -> dict[str, Decimal]:
    return {name: share(count, whole) for name, count in sorted(counts.items())}


@dataclass(frozen=True)
class ClosedResult:
    participant_id: str
    income: Decimal
    baseline: Decimal


@dataclass(frozen=True)
class IncomeGrowth:
    members: int
    periods: int
    total_income: Decimal
    total_baseline: Decimal
    incremental_income: Decimal
    growth_rate: Decimal | None  # incremental / baseline; None without a baseline
    members_above_baseline: int


def income_growth(results: Iterable[ClosedResult]) -> IncomeGrowth:
    """How members' income compares with what they earned before joining [¶65]. A member is
    above baseline when their incomes over all closed periods add up to more than the baselines."""
    per_member: dict[str, Decimal] = {}
    income = baseline = Decimal("0.00")
    periods = 0
    for r in results:
        periods += 1
        income += r.income
        baseline += r.baseline
        per_member[r.participant_id] = per_member.get(r.participant_id, Decimal(0)) + (
            r.income - r.baseline
        )
    rate = (
        ((income - baseline) / baseline).quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN)
        if baseline > 0
        else None
    )
    return IncomeGrowth(
        members=len(per_member),
        periods=periods,
        total_income=income,
        total_baseline=baseline,
        incremental_income=income - baseline,
        growth_rate=rate,
        members_above_baseline=sum(1 for gain in per_member.values() if gain > 0),
    )


@dataclass(frozen=True)
class PeriodGrowth:
    """One month's closed periods: each state's income growth and the states' together."""

    month: str
    states: dict[str, IncomeGrowth]
    total: IncomeGrowth


def growth_by_month(rows: Iterable[tuple[str, str, ClosedResult]]) -> list[PeriodGrowth]:
    """(month, state, result) rows -> each month's growth per state and in all, oldest first:
    the months of the periods closed, each member's income against their baseline in it. The
    sum of a range's months is `income_growth` over the same periods."""
    by_month: dict[str, dict[str, list[ClosedResult]]] = {}
    for month, state, result in rows:
        by_month.setdefault(month, {}).setdefault(state, []).append(result)
    return [
        PeriodGrowth(
            month=month,
            states={s: income_growth(rs) for s, rs in sorted(states.items())},
            total=income_growth(r for rs in states.values() for r in rs),
        )
        for month, states in sorted(by_month.items())
    ]

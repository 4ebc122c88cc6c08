"""Days past due, delinquency buckets and portfolio at risk."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("current", 0, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)


def days_past_due(oldest_unpaid_due: date | None, as_of: date) -> int:
    if oldest_unpaid_due is None or as_of <= oldest_unpaid_due:
        return 0
    return (as_of - oldest_unpaid_due).days


def bucket(dpd: int) -> str:
    for name, low, high in BUCKETS:
        if dpd >= low and (high is None or dpd <= high):
            return name
    raise ValueError(f"negative days past due: {dpd}")


@dataclass(frozen=True)
class Exposure:
    outstanding_principal: Decimal
    days_past_due: int


def portfolio_at_risk(exposures: Iterable[Exposure], threshold_days: int = 30) -> Decimal:
    """Share of outstanding principal in loans more than `threshold_days` past due (0..1)."""
    total = at_risk = Decimal(0)
    for e in exposures:
        total += e.outstanding_principal
        if e.days_past_due > threshold_days:
            at_risk += e.outstanding_principal
    return Decimal(0) if total == 0 else at_risk / total

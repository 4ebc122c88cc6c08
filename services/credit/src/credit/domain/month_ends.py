"""The portfolio at a past day, from what a loan keeps: which instalments were settled by then
(`settled_on`) and which had fallen due. On the day a snapshot is taken this is what
`days_past_due` and `outstanding_principal` give for the same day, once that day's instalments
were announced; for an earlier day it leaves out what was settled after it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from credit.domain.delinquency import BUCKETS, Exposure, bucket, days_past_due
from credit.domain.loan import Loan, LoanStatus

#: the buckets more than 30 days past due (PAR30's numerator)
AT_RISK_30 = tuple(name for name, low, _ in BUCKETS if low > 30)


def exposure_on(loan: Loan, day: date) -> Exposure | None:
    """The loan's outstanding principal and days past due at the end of `day`; None when it
    was not being repaid then (not disbursed yet, or every instalment settled)."""
    if loan.status not in (LoanStatus.ACTIVE, LoanStatus.REPAID) or loan.disbursed_on is None:
        return None
    if loan.disbursed_on > day:
        return None
    unpaid = [i for i in loan.instalments if i.settled_on is None or i.settled_on > day]
    if not unpaid:
        return None
    fallen_due = [i.due_date for i in unpaid if i.due_date <= day]
    return Exposure(
        outstanding_principal=sum((i.principal for i in unpaid), Decimal(0)),
        days_past_due=days_past_due(min(fallen_due) if fallen_due else None, day),
    )


@dataclass
class StatePortfolio:
    """One state's loans at a month's end: principal outstanding by delinquency bucket."""

    state_code: str
    loans: int = 0
    outstanding_principal: Decimal = Decimal(0)
    buckets: dict[str, Decimal] = field(default_factory=dict)

    def add(self, exposure: Exposure, loans: int = 1) -> None:
        name = bucket(exposure.days_past_due)
        self.buckets[name] = self.buckets.get(name, Decimal(0)) + exposure.outstanding_principal
        self.outstanding_principal += exposure.outstanding_principal
        self.loans += loans

    def merge(self, other: StatePortfolio) -> None:
        for name, amount in other.buckets.items():
            self.buckets[name] = self.buckets.get(name, Decimal(0)) + amount
        self.outstanding_principal += other.outstanding_principal
        self.loans += other.loans

    @property
    def at_risk_30(self) -> Decimal:
        return sum((self.buckets.get(name, Decimal(0)) for name in AT_RISK_30), Decimal(0))

    @property
    def par30(self) -> Decimal:
        """As `portfolio_at_risk(..., 30)`: the share of principal more than 30 days late."""
        total = self.outstanding_principal
        return Decimal(0) if total == 0 else self.at_risk_30 / total


def by_state_on(loans: Iterable[Loan], day: date) -> list[StatePortfolio]:
    """Every state's portfolio at the end of `day` (a loan with no state under "", as the
    by-state portfolio files it: only a national reader sees it)."""
    out: dict[str, StatePortfolio] = {}
    for loan in loans:
        exposure = exposure_on(loan, day)
        if exposure is None:
            continue
        state = loan.state or ""
        out.setdefault(state, StatePortfolio(state)).add(exposure)
    return [out[k] for k in sorted(out)]

"""What the credit service's handlers and routes work with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from credit.adapters.month_ends import PortfolioMonthEnds
from credit.adapters.repositories import (
    FinancingRepository,
    FundRepaymentsRepository,
    GroupRepository,
    LeaseRepository,
    LineRepository,
    LoanRepository,
    SalesRepository,
)
from credit.config import Settings
from credit.domain.credit_line import LineTerms
from megp_common.clock import SettableClock
from megp_common.web import IdempotencyStore


@dataclass
class Services:
    settings: Settings
    clock: SettableClock
    loans: LoanRepository
    lines: LineRepository
    leases: LeaseRepository
    groups: GroupRepository
    idempotency: IdempotencyStore
    fund_repayments: FundRepaymentsRepository
    financing: FinancingRepository
    sales: SalesRepository
    #: the portfolio by state at each month's end (service_layer/month_ends.py)
    month_ends: PortfolioMonthEnds

    @property
    def terms(self) -> LineTerms:
        s = self.settings
        return LineTerms(
            opening_multiple=s.opening_multiple,
            cap_multiple=s.cap_multiple,
            review_months=s.review_months,
        )

    def today(self) -> date:
        return self.clock.now().date()

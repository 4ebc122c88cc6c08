"""Where credit keeps its aggregates (each document also carries its outbox)."""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from credit.domain.lease import Lease, LeaseStatus
from credit.domain.line import CreditLine, GroupRecord
from credit.domain.loan import InstalmentStatus, Loan, LoanStatus
from credit.domain.replenishment import FundRepayments
from megp_common.mongo import AggregateRepository, Document, OutboxWriter
from megp_common.watched import Watched


def _next_due(loan: Loan) -> str | None:
    if loan.status is not LoanStatus.ACTIVE:
        return None
    days = [i.due_date for i in loan.instalments if i.status is InstalmentStatus.SCHEDULED]
    return min(days).isoformat() if days else None


def _awaiting_replenishment(loan: Loan) -> str | None:
    if loan.status is not LoanStatus.REPAID or loan.on_time is not None:
        return None  # only a repaid loan's open record waits on its borrower's replenishment
    since = loan.awaiting_replenishment_since()
    return since.isoformat() if since else None


class LoanRepository(AggregateRepository[Loan]):
    """In-memory indexes (megp_common.watched) answer the questions periodic work and every
    line read ask, so none of them reads every loan."""

    collection = "loans"
    model = Loan
    indexes = (IndexModel([("group_id", ASCENDING)]), IndexModel([("status", ASCENDING)]))

    def __init__(self, db: AsyncDatabase[Document], outbox: OutboxWriter) -> None:
        super().__init__(db, outbox)
        self.with_due: Watched[Loan] = Watched(
            self, query={"status": LoanStatus.ACTIVE.value}, value=_next_due
        )
        # a group's loans and a borrower's repaid ones, found without reading every loan
        self.by_group: Watched[Loan] = Watched(self, query={}, value=lambda loan: loan.group_id)
        self.repaid_by: Watched[Loan] = Watched(
            self,
            query={"status": LoanStatus.REPAID.value},
            value=lambda loan: loan.borrower_id if loan.status is LoanStatus.REPAID else None,
        )
        # repaid loans whose record waits on the borrower's replenishment of what the fund
        # paid, by the day of the oldest such payment (its grace period runs from there)
        self.awaiting_replenishment: Watched[Loan] = Watched(
            self, query={"status": LoanStatus.REPAID.value}, value=_awaiting_replenishment
        )

    async def active(self) -> list[Loan]:
        """Every loan being repaid (the portfolio's rows)."""
        return await self.find_many({"status": LoanStatus.ACTIVE.value}, scalar_eq=True)


class LineRepository(AggregateRepository[CreditLine]):
    collection = "credit_lines"
    model = CreditLine

    def __init__(self, db: AsyncDatabase[Document], outbox: OutboxWriter) -> None:
        super().__init__(db, outbox)
        self.reviews: Watched[CreditLine] = Watched(
            self,
            query={"next_review_on": {"$ne": None}},
            value=lambda line: line.next_review_on.isoformat(),
        )


class LeaseRepository(AggregateRepository[Lease]):
    collection = "leases"
    model = Lease
    indexes = (IndexModel([("group_id", ASCENDING)]),)

    def __init__(self, db: AsyncDatabase[Document], outbox: OutboxWriter) -> None:
        super().__init__(db, outbox)
        self.active: Watched[Lease] = Watched(
            self,
            query={"status": LeaseStatus.ACTIVE.value},
            value=lambda lease: "active" if lease.status is LeaseStatus.ACTIVE else None,
        )


class GroupRepository(AggregateRepository[GroupRecord]):
    collection = "groups"
    model = GroupRecord


class FundRepaymentsRepository(AggregateRepository[FundRepayments]):
    """Per group, the instalments its fund paid and their replenishment."""

    collection = "fund_repayments"
    model = FundRepayments


ALL = (
    LoanRepository,
    LineRepository,
    LeaseRepository,
    GroupRepository,
    FundRepaymentsRepository,
)

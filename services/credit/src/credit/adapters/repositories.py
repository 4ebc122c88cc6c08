"""Where credit keeps its aggregates (each document also carries its outbox)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from credit.domain.financing import FinancingRequest
from credit.domain.lease import Lease, LeaseStatus
from credit.domain.line import CreditLine, GroupRecord
from credit.domain.loan import InstalmentStatus, Loan, LoanStatus
from credit.domain.replenishment import FundRepayments
from credit.domain.sales import Sale
from megp_common.mongo import SCALAR_EQ, AggregateRepository, Document, OutboxWriter
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
    shard_key = ("state", "group_id")
    indexes = (
        IndexModel([("group_id", ASCENDING)]),
        IndexModel([("status", ASCENDING)]),
        IndexModel([("borrower_id", ASCENDING)]),
    )

    def __init__(self, db: AsyncDatabase[Document], outbox: OutboxWriter) -> None:
        super().__init__(db, outbox)
        self.with_due: Watched[Loan] = Watched(
            self, query={"status": LoanStatus.ACTIVE.value}, value=_next_due
        )
        # a group's loans and a borrower's repaid ones, found without reading every loan
        self.by_group: Watched[Loan] = Watched(self, query={}, value=lambda loan: loan.group_id)
        # the loans each lender holds now (its creditworthiness view, a takeover's move)
        self.by_lender: Watched[Loan] = Watched(self, query={}, value=lambda loan: loan.lender)
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

    async def repaid_after(self, day: date) -> list[Loan]:
        """The loans repaid after `day` (still being repaid at its end: the month-end
        snapshots of a month the clock left behind)."""
        return await self.find_many(
            {"status": LoanStatus.REPAID.value, "repaid_on": {"$gt": day.isoformat()}}
        )

    async def of_borrower(self, borrower_id: str, limit: int = 200) -> list[Loan]:
        """A borrower's loans, the oldest application first (their repayment record)."""
        return await self.find_many(
            {"borrower_id": borrower_id},
            sort=[("applied_on", ASCENDING), ("_id", ASCENDING)],
            limit=limit,
            scalar_eq=True,
        )


class LineRepository(AggregateRepository[CreditLine]):
    collection = "credit_lines"
    model = CreditLine
    shard_key = ("state", "_id")  # the id is the group's

    def __init__(self, db: AsyncDatabase[Document], outbox: OutboxWriter) -> None:
        super().__init__(db, outbox)
        self.reviews: Watched[CreditLine] = Watched(
            self,
            query={"next_review_on": {"$ne": None}},
            value=lambda line: line.next_review_on.isoformat(),
        )
        self.by_lender: Watched[CreditLine] = Watched(
            self, query={"next_review_on": {"$ne": None}}, value=lambda line: line.lender
        )
        # lines whose agreed takeover has not taken effect yet, by its day [¶83]
        self.takeovers: Watched[CreditLine] = Watched(
            self,
            query={"next_review_on": {"$ne": None}},
            value=lambda line: (
                None if line.agreed_takeover is None else line.agreed_takeover.since.isoformat()
            ),
        )

    async def held_by(self, lender: str) -> list[CreditLine]:
        """The lines `lender` is the lender of record of now."""
        return await self.by_lender.fetch_equal_to(lender)


class LeaseRepository(AggregateRepository[Lease]):
    collection = "leases"
    model = Lease
    shard_key = ("state", "group_id")
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
    shard_key = ("state", "_id")  # the id is the group's


class FundRepaymentsRepository(AggregateRepository[FundRepayments]):
    """Per group, the instalments its fund paid and their replenishment."""

    collection = "fund_repayments"
    model = FundRepayments
    shard_key = ("state", "_id")  # the id is the group's


class FinancingRepository(AggregateRepository[FinancingRequest]):
    """Purchasing rounds' financing requests from trade, pending until the ODF completes them."""

    collection = "financing_requests"
    model = FinancingRequest
    shard_key = ("state", "group_id")
    indexes = (IndexModel([("group_id", ASCENDING)]),)

    async def of_group(
        self, group_id: str, status: str | None, limit: int
    ) -> list[FinancingRequest]:
        query: dict[str, Any] = {"group_id": group_id}
        if status is not None:
            query["status"] = status
        return await self.find_many(
            query, sort=[("requested_on", -1), ("_id", ASCENDING)], limit=limit, scalar_eq=True
        )


class SalesRepository:
    """Trade's completed sales, one document per (order, producer): `_id` is that pair, so a
    redelivered or re-announced event is refused by the store and counts once. No outbox."""

    collection = "sales"
    indexes = (IndexModel([("producer_id", ASCENDING)]),)

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.col = db[self.collection]

    async def record(self, sale: Sale, event_id: str) -> bool:
        """False when this (order, producer) was recorded already."""
        doc = {
            "_id": sale.key,
            "order_id": sale.order_id,
            "producer_id": sale.producer_id,
            "group_id": sale.group_id,
            "state": sale.state,
            "amount": str(sale.amount),
            "producer_part": str(sale.producer_part),
            "currency": sale.currency,
            "completed_on": sale.completed_on.isoformat(),
            "event_id": event_id,
        }
        try:
            await self.col.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def of_producer(self, producer_id: str, limit: int = 5000) -> list[Sale]:
        cursor = self.col.find(
            {"producer_id": producer_id}, limit=limit, comment=SCALAR_EQ, sort=[("_id", 1)]
        )
        return [
            Sale(
                order_id=d["order_id"],
                producer_id=d["producer_id"],
                group_id=d["group_id"],
                state=d["state"],
                amount=Decimal(d["amount"]),
                producer_part=Decimal(d["producer_part"]),
                currency=d["currency"],
                completed_on=date.fromisoformat(d["completed_on"]),
            )
            async for d in cursor
        ]


ALL = (
    LoanRepository,
    LineRepository,
    LeaseRepository,
    GroupRepository,
    FundRepaymentsRepository,
    FinancingRepository,
)
#: Collections without an outbox
PLAIN = (SalesRepository,)

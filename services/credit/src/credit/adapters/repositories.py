"""Where credit keeps its aggregates (each document also carries its outbox)."""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel

from credit.domain.lease import Lease
from credit.domain.line import CreditLine, GroupRecord
from credit.domain.loan import Loan
from megp_common.mongo import AggregateRepository


class LoanRepository(AggregateRepository[Loan]):
    collection = "loans"
    model = Loan
    indexes = (IndexModel([("group_id", ASCENDING)]), IndexModel([("status", ASCENDING)]))


class LineRepository(AggregateRepository[CreditLine]):
    collection = "credit_lines"
    model = CreditLine


class LeaseRepository(AggregateRepository[Lease]):
    collection = "leases"
    model = Lease
    indexes = (IndexModel([("group_id", ASCENDING)]),)


class GroupRepository(AggregateRepository[GroupRecord]):
    collection = "groups"
    model = GroupRecord


ALL = (LoanRepository, LineRepository, LeaseRepository, GroupRepository)

"""What credit's readers see: a line with what is available on it, a loan with its days past
due, a lease, the portfolio's delinquency by group, state or lender, and a member's sales
history beside their repayment record (what the ODF reads when it assesses a loan)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from credit.domain.delinquency import Exposure, bucket, portfolio_at_risk
from credit.domain.lease import Lease, LeaseStatus
from credit.domain.line import CreditLine
from credit.domain.loan import Loan, LoanStatus
from credit.domain.sales import SalesLine, by_month
from credit.service_layer.container import Services
from credit.service_layer.leases import lease_in_scope
from credit.service_layer.loans import available_on_line, group_in_scope, loan_in_scope
from megp_common.auth import Principal, bank_filter, check_bank, check_state
from megp_common.mongo import Shard
from megp_common.web import page_by_id

PortfolioKey = Literal["group", "state", "lender"]


async def line(services: Services, who: Principal, group_id: str) -> tuple[CreditLine, Decimal]:
    found = await services.lines.get(group_id, Shard.in_scope(who.states))
    check_state(who, found.state)
    check_bank(who, _bank_reading(who, found), what="credit line")
    _limit, available = await available_on_line(services, group_id, found.state)
    return found, available


def _bank_reading(who: Principal, line: CreditLine) -> str:
    """The bank a line is read as held by: its lender of record, or, for the bank whose
    takeover offer waits or is agreed [¶83, ¶90], that bank (it reads the line it offered for)."""
    coming = [x.lender for x in (line.takeover_offer, line.agreed_takeover) if x is not None]
    return who.organization if who.organization in coming and who.organization else line.lender


async def loan(services: Services, who: Principal, loan_id: str) -> tuple[Loan, int]:
    found = await loan_in_scope(services, who, loan_id)
    return found, found.days_past_due(services.today())


async def loans_of_group(
    services: Services,
    who: Principal,
    group_id: str,
    status: LoanStatus | None,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[Loan], str | None]:
    """A page of a group's loans (what the console lists beside a group's line, and where a
    board finds the applications waiting for it): the group's state must be in the caller's
    scope, as for its financing requests."""
    await group_in_scope(services, who, group_id)
    query: dict[str, object] = {"group_id": group_id}
    if status is not None:
        query["status"] = status.value
    return await page_by_id(services.loans, query, cursor=cursor, limit=limit, scalar_eq=True)


async def leases_of_group(
    services: Services,
    who: Principal,
    group_id: str,
    status: LeaseStatus | None,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[Lease], str | None]:
    """A page of a group's leases [¶91-¶93] (the console's group screen), the group in the
    caller's states, as for its loans."""
    await group_in_scope(services, who, group_id)
    query: dict[str, object] = {"group_id": group_id}
    if status is not None:
        query["status"] = status.value
    return await page_by_id(services.leases, query, cursor=cursor, limit=limit, scalar_eq=True)


async def lease(services: Services, who: Principal, lease_id: str) -> Lease:
    return await lease_in_scope(services, who, lease_id)


@dataclass
class PortfolioSlice:
    key: str
    outstanding_principal: Decimal = Decimal(0)
    par30: Decimal = Decimal(0)
    buckets: dict[str, Decimal] = field(default_factory=dict)


async def portfolio(services: Services, who: Principal, by: PortfolioKey) -> list[PortfolioSlice]:
    """Active loans in the caller's states (a partner bank's: those it lends), grouped by `by`,
    with their delinquency buckets."""
    today = services.today()
    bank = bank_filter(who)
    rows: dict[str, list[tuple[Loan, int]]] = {}
    for active in await services.loans.active():
        if not who.can_act_in_state(active.state) or bank not in (None, active.lender):
            continue
        key = {"group": active.group_id, "state": active.state or "", "lender": active.lender}[by]
        rows.setdefault(key, []).append((active, active.days_past_due(today)))
    out = []
    for key, items in sorted(rows.items()):
        row = PortfolioSlice(key=key)
        for item, dpd in items:
            name = bucket(dpd)
            row.buckets[name] = row.buckets.get(name, Decimal(0)) + item.outstanding_principal
            row.outstanding_principal += item.outstanding_principal
        row.par30 = portfolio_at_risk(
            Exposure(item.outstanding_principal, dpd) for item, dpd in items
        )
        out.append(row)
    return out


@dataclass
class SalesHistory:
    """A member's completed sales by month and in all, and their loans (the repayment record),
    as far as the reader's states reach."""

    months: list[SalesLine]
    totals: list[SalesLine]
    loans: list[tuple[Loan, int]]


async def sales_history(services: Services, who: Principal, participant_id: str) -> SalesHistory:
    """Read from credit's own copy of trade's SaleCompleted events, never from trade. A reader
    sees the sales and loans of the states they act in (a national reader, all of them)."""
    today = services.today()
    sales = [
        s for s in await services.sales.of_producer(participant_id) if who.can_act_in_state(s.state)
    ]
    months, totals = by_month(sales)
    loans = [
        (x, x.days_past_due(today))
        for x in await services.loans.of_borrower(participant_id)
        if x.borrower_kind == "participant" and who.can_act_in_state(x.state)
    ]
    return SalesHistory(months=months, totals=totals, loans=loans)

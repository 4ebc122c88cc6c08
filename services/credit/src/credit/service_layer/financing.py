"""Financing requests from trade's purchasing rounds [¶30, ¶69] and from ip-counsel's IMPI fees:
the ODF's staff complete a pending request with what the asker cannot know (the term, the
method), and credit
applies for the loan on the group's line for the ODF as any application is made (its limits
apply; the board and the lender then decide [¶55])."""

from __future__ import annotations

from credit.domain.commands import ApplyForLoan, CompleteFinancing
from credit.domain.errors import NotAuthorized
from credit.domain.financing import FinancingRequest, FinancingStatus
from credit.domain.loan import Loan
from credit.service_layer import loans
from credit.service_layer.container import Services
from megp_common import decisions
from megp_common.auth import Principal, check_state
from megp_common.errors import Conflict, NotFound
from megp_common.mongo import Shard


async def request_in_scope(services: Services, who: Principal, request_id: str) -> FinancingRequest:
    found = await services.financing.find(request_id, Shard.in_scope(who.states))
    if found is None:
        raise NotFound(f"no financing request has the id {request_id}")
    check_state(who, found.state)
    return found


async def complete(
    services: Services, who: Principal, command: CompleteFinancing, loan_id: str
) -> tuple[FinancingRequest, Loan]:
    """The request's ODF (its staff, acting for it alone) applies for the loan it asked for."""
    request = await request_in_scope(services, who, command.request_id)
    shard = Shard(request.state, request.group_id)  # the loan's, from its request
    if request.status is FinancingStatus.REFUSED:
        request.apply_with(loan_id, services.today())  # 409, with the reason
    decisions.staff_acting_for_group(who.role_names())
    if who.organization is not None and who.organization != request.odf_id:
        raise NotAuthorized(
            f"only {request.odf_id}, the ODF that asked for this financing, applies for it",
            rule=decisions.RULE,
        )
    if request.status is FinancingStatus.APPLIED and request.loan_id is not None:
        if request.loan_id == loan_id:  # a retry of the same key after it was stored
            return request, await services.loans.get(loan_id, shard)
        request.apply_with(loan_id, services.today())  # 409: it was applied for already
    loan = await services.loans.find(loan_id, shard)
    if loan is None:
        application = ApplyForLoan(
            group_id=request.group_id,
            borrower_kind="odf",
            borrower_id=request.odf_id,
            amount=request.amount,
            purpose=request.purpose,
            term_months=command.term_months,
            business_plan_id=command.business_plan_id,
            method=command.method,
        )
        try:
            loan = await loans.apply(services, who, application, loan_id)
        except Conflict:  # stored by a retry that crashed before the request was saved
            loan = await services.loans.get(loan_id, shard)
    request.apply_with(loan.id, services.today())
    await services.financing.save(request)
    return request, loan


async def of_group(
    services: Services, who: Principal, group_id: str, status: FinancingStatus | None, limit: int
) -> list[FinancingRequest]:
    await loans.group_in_scope(services, who, group_id)
    return await services.financing.of_group(
        group_id, None if status is None else status.value, limit
    )

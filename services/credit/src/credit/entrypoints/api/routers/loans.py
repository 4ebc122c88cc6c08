from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from credit.domain.commands import PayInstalment, RejectLoan
from credit.domain.loan import LoanStatus
from credit.entrypoints.api.deps import (
    Applicant,
    BoardOrLender,
    BoardRepresentative,
    Lender,
    Payer,
    ServicesDep,
    keyed,
)
from credit.entrypoints.api.errors import READ, WRITE
from credit.entrypoints.api.schemas.loans import DirectPayment, LoanCreate, LoanPublic, Rejection
from credit.service_layer import loans, queries
from megp_common.auth import BankAccess, open_to_banks
from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import DEFAULT_PAGE_SIZE, CursorQuery, IdempotencyKey, LimitQuery, Page

router = APIRouter(tags=["loans"])
LoanId = Annotated[str, Path(min_length=1, max_length=100)]
#: the loan's lender of record reads it and takes its lender's decisions (`check_bank`)
LENDER = open_to_banks(BankAccess.LENDER)
GroupFilter = Annotated[str, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")]


@router.get(
    "/loans",
    response_model=Page[LoanPublic],
    responses=READ,
    summary="A group's loans (a group of the caller's states), in id order, a page at a time",
)
async def list_loans(
    group_id: GroupFilter,
    services: ServicesDep,
    who: CurrentPrincipal,
    status: LoanStatus | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[LoanPublic]:
    found, next_cursor = await queries.loans_of_group(
        services, who, group_id, status, cursor=cursor, limit=limit
    )
    today = services.today()
    return Page(
        items=[LoanPublic.of(loan, loan.days_past_due(today)) for loan in found],
        next_cursor=next_cursor,
    )


@router.post(
    "/loans",
    status_code=201,
    response_model=LoanPublic,
    responses=WRITE,
    summary="Apply for a loan on the group's line (for its ODF or one of its members)",
)
async def apply_for_loan(
    body: LoanCreate, services: ServicesDep, who: Applicant, key: IdempotencyKey
) -> JSONResponse:
    async def run(loan_id: str) -> tuple[int, LoanPublic]:
        return 201, LoanPublic.of(await loans.apply(services, who, body.command(), loan_id))

    return await keyed(services, who, "loans", key, body, run)


@router.get(
    "/loans/{loan_id}",
    response_model=LoanPublic,
    responses=READ,
    summary="A loan with its schedule",
    openapi_extra=LENDER,
)
async def get_loan(loan_id: LoanId, services: ServicesDep, who: CurrentPrincipal) -> LoanPublic:
    loan, days_past_due = await queries.loan(services, who, loan_id)
    return LoanPublic.of(loan, days_past_due)


@router.post(
    "/loans/{loan_id}/board-approval",
    response_model=LoanPublic,
    responses=WRITE,
    summary="The group's board approves [¶55]",
)
async def approve_by_board(
    loan_id: LoanId, services: ServicesDep, who: BoardRepresentative, key: IdempotencyKey
) -> JSONResponse:
    async def run(_: str) -> tuple[int, LoanPublic]:
        return 200, LoanPublic.of(await loans.board_approval(services, who, loan_id))

    return await keyed(services, who, f"board-approval:{loan_id}", key, {}, run)


@router.post(
    "/loans/{loan_id}/lender-approval",
    response_model=LoanPublic,
    responses=WRITE,
    summary="The lender approves",
    openapi_extra=LENDER,
)
async def approve_by_lender(
    loan_id: LoanId, services: ServicesDep, who: Lender, key: IdempotencyKey
) -> JSONResponse:
    async def run(_: str) -> tuple[int, LoanPublic]:
        return 200, LoanPublic.of(await loans.lender_approval(services, who, loan_id))

    return await keyed(services, who, f"lender-approval:{loan_id}", key, {}, run)


@router.post(
    "/loans/{loan_id}/rejection",
    response_model=LoanPublic,
    responses=WRITE,
    summary="The board or the lender rejects",
    openapi_extra=LENDER,
)
async def reject(
    loan_id: LoanId,
    body: Rejection,
    services: ServicesDep,
    who: BoardOrLender,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, LoanPublic]:
        command = RejectLoan(loan_id, body.reason)
        return 200, LoanPublic.of(await loans.reject(services, who, command))

    return await keyed(services, who, f"rejection:{loan_id}", key, body, run)


@router.post(
    "/loans/{loan_id}/disbursement",
    response_model=LoanPublic,
    responses=WRITE,
    summary="The lender disburses; the schedule is fixed",
    openapi_extra=LENDER,
)
async def disburse(
    loan_id: LoanId, services: ServicesDep, who: Lender, key: IdempotencyKey
) -> JSONResponse:
    async def run(_: str) -> tuple[int, LoanPublic]:
        return 200, LoanPublic.of(await loans.disburse(services, who, loan_id))

    return await keyed(services, who, f"disbursement:{loan_id}", key, {}, run)


@router.post(
    "/loans/{loan_id}/instalments/{number}/payment",
    response_model=LoanPublic,
    responses=WRITE,
    summary="The borrower pays an instalment directly (its exact total) [¶89]",
)
async def pay_directly(
    loan_id: LoanId,
    number: Annotated[int, Path(ge=1, le=1000)],
    body: DirectPayment,
    services: ServicesDep,
    who: Payer,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, LoanPublic]:
        command = PayInstalment(loan_id, number, body.amount)
        return 200, LoanPublic.of(await loans.pay_directly(services, who, command))

    return await keyed(services, who, f"pay:{loan_id}:{number}", key, body, run)

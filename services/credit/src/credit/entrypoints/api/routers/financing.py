"""Financing requests (from trade's purchasing rounds and ip-counsel's IMPI fees) and their
completion into a loan application by the ODF [¶30, ¶55, ¶69]; a member's sales history beside
their repayment record, for the ODF's assessment of a loan."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from credit.domain.financing import FinancingStatus
from credit.entrypoints.api.deps import OdfStaff, ServicesDep, keyed
from credit.entrypoints.api.errors import READ, WRITE
from credit.entrypoints.api.schemas.financing import (
    FinancingApplication,
    FinancingPublic,
    SalesHistoryPublic,
)
from credit.entrypoints.api.schemas.loans import LoanPublic
from credit.service_layer import financing, queries
from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import IdempotencyKey

router = APIRouter(tags=["financing"])
Id = Annotated[str, Path(min_length=1, max_length=100)]
GroupFilter = Annotated[str, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")]


@router.get(
    "/financing-requests",
    response_model=list[FinancingPublic],
    responses=READ,
    summary="A group's financing requests (purchasing rounds, IMPI fees), the latest first",
)
async def list_financing_requests(
    group_id: GroupFilter,
    services: ServicesDep,
    who: CurrentPrincipal,
    status: FinancingStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[FinancingPublic]:
    found = await financing.of_group(services, who, group_id, status, limit)
    return [FinancingPublic.of(r) for r in found]


@router.get(
    "/financing-requests/{request_id}",
    response_model=FinancingPublic,
    responses=READ,
    summary="A financing request: its round or fee, the ODF, the amount, members and shares",
)
async def get_financing_request(
    request_id: Id, services: ServicesDep, who: CurrentPrincipal
) -> FinancingPublic:
    return FinancingPublic.of(await financing.request_in_scope(services, who, request_id))


@router.post(
    "/financing-requests/{request_id}/application",
    status_code=201,
    response_model=LoanPublic,
    responses=WRITE,
    summary="The ODF completes its financing request: credit applies for the loan on the line",
)
async def complete_financing(
    request_id: Id,
    body: FinancingApplication,
    services: ServicesDep,
    who: OdfStaff,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(loan_id: str) -> tuple[int, LoanPublic]:
        _, loan = await financing.complete(services, who, body.command(request_id), loan_id)
        return 201, LoanPublic.of(loan)

    return await keyed(services, who, f"financing:{request_id}", key, body, run)


@router.get(
    "/participants/{participant_id}/sales-history",
    response_model=SalesHistoryPublic,
    responses=READ,
    summary="A member's completed sales by month, beside their repayment record",
)
async def sales_history(
    participant_id: Id, services: ServicesDep, who: CurrentPrincipal
) -> SalesHistoryPublic:
    return SalesHistoryPublic.of(await queries.sales_history(services, who, participant_id))

"""IMPI fees the inventors asked the Competition Sub-Fund to pay (ip-counsel's
`FeeFinancingRequested`): the fund's spending requests, and the board's approval of one, which
posts the competition spend by the rule of every spend [¶55, ¶72]."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from funds.domain import outflows
from funds.domain.spending_requests import SpendingRequest, SpendingStatus
from funds.entrypoints.api.deps import (
    FUND_READERS,
    ServicesDep,
    check_fund_to_change,
    check_reader,
    open_fund_for,
)
from funds.entrypoints.api.errors import READ, WRITE
from funds.entrypoints.api.schemas.funds import ID_PATTERN, EntryPublic, SpendingRequestPublic
from funds.service_layer.container import post_entry
from megp_common.auth import Principal, Role
from megp_common.auth.fastapi import require_roles
from megp_common.errors import NotFound
from megp_common.web import IdempotencyKey, JsonAnswer, Once, answer_once

router = APIRouter(prefix="/funds/{fund_id}", tags=["spending requests"])
FundId = Annotated[str, Path(pattern=ID_PATTERN, description="The project group's id")]
RequestId = Annotated[str, Path(pattern=ID_PATTERN, description="The spending request's id")]
Reader = Annotated[Principal, Depends(require_roles(*FUND_READERS))]
BoardRep = Annotated[Principal, Depends(require_roles(Role.BOARD_REPRESENTATIVE))]


@router.get(
    "/spending-requests",
    response_model=list[SpendingRequestPublic],
    responses=READ,
    summary="IMPI fees asked of the Competition Sub-Fund, the latest first",
)
async def spending_requests(
    fund_id: FundId,
    services: ServicesDep,
    who: Reader,
    status: SpendingStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[SpendingRequestPublic]:
    fund = await open_fund_for(services, fund_id, who, view=True)
    check_reader(who, fund)
    found = await services.spending.of_fund(
        fund_id, None if status is None else status.value, limit
    )
    return [SpendingRequestPublic.of(r) for r in found]


async def _request_of(services: ServicesDep, fund_id: str, request_id: str) -> SpendingRequest:
    found = await services.spending.find(request_id)
    if found is None or found.fund_id != fund_id:
        raise NotFound(f"fund {fund_id} has no spending request {request_id}")
    return found


@router.post(
    "/spending-requests/{spending_request_id}/approval",
    status_code=201,
    response_model=EntryPublic,
    responses=WRITE,
    summary="The board approves a fee asked of the Competition Sub-Fund: the spend is posted",
)
async def approve(
    fund_id: FundId,
    spending_request_id: RequestId,
    services: ServicesDep,
    who: BoardRep,
    key: IdempotencyKey,
) -> JSONResponse:
    await check_fund_to_change(services, fund_id, who)
    roles = frozenset(r.value for r in who.roles)

    async def run() -> tuple[int, object]:
        request = await _request_of(services, fund_id, spending_request_id)
        spend = request.spend(who.participant_id, roles)  # 409 unless pending
        now = services.clock.now()
        # the entry's key is the request's, not the caller's: approved once, whoever approves
        entry = await post_entry(
            services,
            fund_id,
            "competition-spend",
            f"spending-request:{request.id}",
            lambda f, eid, k: outflows.approve_competition_spend(f, eid, k, spend, now),
        )
        request.approved(entry.id, entry.metadata.get("approved_by"), now.date())
        await services.spending.save(request)
        return 201, EntryPublic.of(entry).model_dump(mode="json")

    once = Once(f"funds:spending-approval:{fund_id}", who.subject, key)
    body = {"id": spending_request_id}
    status, payload = await answer_once(services.idempotency, once, body, run)
    return JsonAnswer(payload, status_code=status)

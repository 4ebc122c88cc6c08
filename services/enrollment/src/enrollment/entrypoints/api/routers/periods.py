"""Whole-group periods: the sheet the Development Organization closes for every member at once."""

from __future__ import annotations

from collections import Counter
from datetime import date

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from enrollment.domain.errors import SheetRejected
from enrollment.entrypoints.api.deps import ServicesDep, StaffOrServiceActor
from enrollment.entrypoints.api.responses import READ, idempotent, respond
from enrollment.entrypoints.api.routers.plans import MONEY
from enrollment.entrypoints.api.schemas.plans import GroupPeriodClosing, GroupPeriodPublic
from enrollment.service_layer import plans
from megp_common.web import IdempotencyKey

router = APIRouter(tags=["business plans"])


@router.post(
    "/groups/{group_id}/period-closings",
    status_code=201,
    response_model=GroupPeriodPublic,
    responses=MONEY,
    summary="Accept the group's period sheet and close the period, all or nothing",
)
async def close_group_period(
    group_id: str,
    body: GroupPeriodClosing,
    services: ServicesDep,
    actor: StaffOrServiceActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    repeated = [p for p, n in Counter(x.participant_id for x in body.incomes).items() if n > 1]
    if repeated:
        raise SheetRejected(
            "the sheet lists some members more than once; nothing was recorded",
            [{"participant_id": p, "problem": "listed twice"} for p in repeated],
        )

    async def operation(_: str) -> tuple[int, GroupPeriodPublic]:
        doc = await plans.close_group_period(
            services,
            actor,
            group_id,
            body.period_start,
            body.period_months,
            {line.participant_id: line.income for line in body.incomes},
        )
        return 201, GroupPeriodPublic.of(doc)

    return await idempotent(
        services, actor, f"group-close:{group_id}", idempotency_key, body, operation
    )


@router.get(
    "/groups/{group_id}/periods/{period_start}",
    response_model=GroupPeriodPublic,
    responses=READ,
    summary="A group's period sheet: incomes and results",
)
async def get_group_period(
    group_id: str,
    period_start: date,
    services: ServicesDep,
    actor: StaffOrServiceActor,
    months: int | None = Query(default=None, ge=1, le=12),
) -> JSONResponse:
    doc = await plans.group_period(services, actor, group_id, period_start, months)
    return respond(GroupPeriodPublic.of(doc))

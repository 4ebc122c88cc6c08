"""Business plans and period results. Requests that state money need an Idempotency-Key."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from enrollment.entrypoints.api.deps import (
    ParticipantOrStaffActor,
    ServicesDep,
    StaffActor,
    StaffOrServiceActor,
    require_self_or_staff,
)
from enrollment.entrypoints.api.responses import READ, UPDATE, WRITE, idempotent, respond
from enrollment.entrypoints.api.schemas.plans import (
    CorrectionCreate,
    IncomeRecord,
    MemberPeriodPublic,
    PlanCreate,
    PlanPublic,
    PlanRevision,
    PlanSheet,
    ResultPublic,
)
from enrollment.service_layer import plans, queries
from megp_common.auth import Role
from megp_common.ids import deterministic_id
from megp_common.web import (
    DEFAULT_PAGE_SIZE,
    CursorQuery,
    IdempotencyKey,
    IfMatchHeader,
    LimitQuery,
    Page,
)

router = APIRouter(tags=["business plans"])
PLAN = "/groups/{group_id}/business-plans/{participant_id}"
MONEY = {**WRITE, 428: {**WRITE[428], "description": "Idempotency-Key (or If-Match) required"}}


class PlanSheetPublic(BaseModel):
    plans: list[PlanPublic]


@router.post(
    "/groups/{group_id}/business-plan-sheets",
    status_code=201,
    response_model=PlanSheetPublic,
    responses=MONEY,
    summary="Agree many members' business plans at once, all or nothing [¶62]",
)
async def agree_many(
    group_id: str,
    body: PlanSheet,
    services: ServicesDep,
    actor: StaffActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """A sheet with any line that breaks a rule is refused whole (422, `problems` lists every
    line's problem) and agrees nothing."""
    lines = [
        plans.PlanLine(
            p.participant_id, p.baseline_income, p.target_increase, p.period_months, p.start_date
        )
        for p in body.plans
    ]

    async def operation(_: str) -> tuple[int, PlanSheetPublic]:
        sheet = deterministic_id("plan-sheet", group_id, actor.subject, idempotency_key)
        agreed = await plans.agree_many(services, actor, group_id, lines, sheet)
        return 201, PlanSheetPublic(plans=[PlanPublic.of(p) for p in agreed])

    return await idempotent(
        services,
        actor,
        f"plan-sheet:{group_id}",
        idempotency_key,
        body,
        operation,
        location=lambda _: f"/v1/groups/{group_id}/business-plans",
    )


@router.post(
    "/groups/{group_id}/business-plans",
    status_code=201,
    response_model=PlanPublic,
    responses=MONEY,
    summary="Agree a member's business plan with the ODF [¶62]",
)
async def agree(
    group_id: str,
    body: PlanCreate,
    services: ServicesDep,
    actor: StaffActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    async def operation(_: str) -> tuple[int, PlanPublic]:
        plan = await plans.agree(
            services,
            actor,
            group_id,
            body.participant_id,
            baseline_income=body.baseline_income,
            target_increase=body.target_increase,
            period_months=body.period_months,
            start_date=body.start_date,
        )
        return 201, PlanPublic.of(plan)

    return await idempotent(
        services,
        actor,
        f"plan:{group_id}",
        idempotency_key,
        body,
        operation,
        location=lambda b: f"/v1/groups/{group_id}/business-plans/{b['participant_id']}",
    )


@router.get("/groups/{group_id}/business-plans", response_model=Page[PlanPublic], responses=READ)
async def list_plans(
    group_id: str,
    services: ServicesDep,
    actor: StaffOrServiceActor,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[PlanPublic]:
    items, next_cursor = await queries.plans(services, actor, group_id, cursor=cursor, limit=limit)
    return Page(items=[PlanPublic.of(p) for p in items], next_cursor=next_cursor)


@router.get(PLAN, response_model=PlanPublic, responses=READ)
async def get_plan(
    group_id: str, participant_id: str, services: ServicesDep, actor: ParticipantOrStaffActor
) -> JSONResponse:
    require_self_or_staff(actor, participant_id, Role.SERVICE)
    return respond(PlanPublic.of(await plans.plan_of(services, actor, group_id, participant_id)))


@router.patch(
    PLAN,
    response_model=PlanPublic,
    responses=UPDATE,
    summary="Revise the figures for the periods still open (If-Match)",
)
async def revise(
    group_id: str,
    participant_id: str,
    body: PlanRevision,
    services: ServicesDep,
    actor: StaffActor,
    if_match: IfMatchHeader = None,
) -> JSONResponse:
    plan = await plans.revise(
        services,
        actor,
        group_id,
        participant_id,
        if_match,
        baseline_income=body.baseline_income,
        target_increase=body.target_increase,
    )
    return respond(PlanPublic.of(plan))


@router.get(
    PLAN + "/periods",
    response_model=Page[MemberPeriodPublic],
    responses=READ,
    summary="The plan's periods begun so far, with income and results",
)
async def list_periods(
    group_id: str,
    participant_id: str,
    services: ServicesDep,
    actor: ParticipantOrStaffActor,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[MemberPeriodPublic]:
    require_self_or_staff(actor, participant_id, Role.SERVICE)
    plan = await plans.plan_of(services, actor, group_id, participant_id)
    rows, next_cursor = await queries.plan_periods(services, plan, cursor=cursor, limit=limit)
    return Page(
        items=[MemberPeriodPublic.of(p, participant_id, doc) for p, doc in rows],
        next_cursor=next_cursor,
    )


@router.post(
    PLAN + "/periods/{period_start}/income",
    response_model=MemberPeriodPublic,
    responses=MONEY,
    summary="Record the period's income (replaces an earlier figure)",
)
async def record_income(
    group_id: str,
    participant_id: str,
    period_start: date,
    body: IncomeRecord,
    services: ServicesDep,
    actor: ParticipantOrStaffActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    require_self_or_staff(actor, participant_id, Role.SERVICE)

    async def operation(_: str) -> tuple[int, MemberPeriodPublic]:
        doc = await plans.record_income(
            services, actor, group_id, participant_id, period_start, body.income
        )
        return 200, MemberPeriodPublic.of(doc.period, participant_id, doc)

    return await idempotent(
        services,
        actor,
        f"income:{group_id}:{participant_id}:{period_start}",
        idempotency_key,
        body,
        operation,
    )


@router.post(
    PLAN + "/periods/{period_start}/close",
    status_code=201,
    response_model=ResultPublic,
    responses=MONEY,
    summary="Close the member's period: incremental income, 10 % deposit, 25 % share",
)
async def close_member(
    group_id: str,
    participant_id: str,
    period_start: date,
    services: ServicesDep,
    actor: StaffActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    async def operation(_: str) -> tuple[int, ResultPublic]:
        result = await plans.close_member(services, actor, group_id, participant_id, period_start)
        return 201, ResultPublic.of(result)

    return await idempotent(
        services,
        actor,
        f"close:{group_id}:{participant_id}:{period_start}",
        idempotency_key,
        {},
        operation,
    )


@router.post(
    PLAN + "/periods/{period_start}/corrections",
    status_code=201,
    response_model=ResultPublic,
    responses=MONEY,
    summary="Correct a closed period with a new result linked to the one it replaces",
)
async def correct(
    group_id: str,
    participant_id: str,
    period_start: date,
    body: CorrectionCreate,
    services: ServicesDep,
    actor: StaffActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    async def operation(correction_id: str) -> tuple[int, ResultPublic]:
        result = await plans.correct(
            services,
            actor,
            group_id,
            participant_id,
            period_start,
            body.income,
            body.reason,
            correction_id,
        )
        return 201, ResultPublic.of(result)

    return await idempotent(
        services,
        actor,
        f"correct:{group_id}:{participant_id}:{period_start}",
        idempotency_key,
        body,
        operation,
    )

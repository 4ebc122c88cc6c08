from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from enrollment.domain.group import GroupStatus
from enrollment.domain.membership import MembershipStatus
from enrollment.entrypoints.api.deps import (
    AnyActor,
    ParticipantOrStaffActor,
    ServicesDep,
    StaffActor,
    require_self_or_staff,
)
from enrollment.entrypoints.api.responses import READ, WRITE, idempotent, respond
from enrollment.entrypoints.api.schemas.groups import (
    GroupPublic,
    IntakeSheet,
    MemberJoin,
    MemberLeave,
    MemberPublic,
    OdfCreate,
    OdfPublic,
)
from enrollment.service_layer import groups, queries
from megp_common.web import (
    DEFAULT_PAGE_SIZE,
    CursorQuery,
    IdempotencyKey,
    LimitQuery,
    Page,
)

router = APIRouter(tags=["project groups"])


@router.get("/groups", response_model=Page[GroupPublic], responses=READ)
async def list_groups(
    services: ServicesDep,
    actor: AnyActor,
    state_code: str | None = Query(default=None, pattern=r"^\d{2}$"),
    status: GroupStatus | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[GroupPublic]:
    items, next_cursor = await queries.groups(
        services,
        actor,
        state=state_code,
        status=status.value if status else None,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=[GroupPublic.of(g) for g in items], next_cursor=next_cursor)


@router.get("/groups/{group_id}", response_model=GroupPublic, responses=READ)
async def get_group(group_id: str, services: ServicesDep, actor: AnyActor) -> JSONResponse:
    return respond(GroupPublic.of(await queries.group(services, actor, group_id)))


@router.get(
    "/groups/{group_id}/members",
    response_model=Page[MemberPublic],
    responses=READ,
    summary="Members, current and former, with their Letters of Commitment",
)
async def list_members(
    group_id: str,
    services: ServicesDep,
    actor: AnyActor,
    status: MembershipStatus | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[MemberPublic]:
    items, next_cursor = await queries.members(
        services,
        actor,
        group_id,
        status=status.value if status else None,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=[MemberPublic.of(m) for m in items], next_cursor=next_cursor)


@router.post(
    "/groups/{group_id}/members",
    status_code=201,
    response_model=GroupPublic,
    responses=WRITE,
    summary="Sign the Letter of Commitment and join (or return) [¶24, ¶49]",
)
async def join(
    group_id: str,
    body: MemberJoin,
    services: ServicesDep,
    actor: ParticipantOrStaffActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    require_self_or_staff(actor, body.participant_id)

    async def operation(_: str) -> tuple[int, GroupPublic]:
        group = await groups.join(
            services,
            actor,
            group_id,
            body.participant_id,
            body.business_reason,
            body.letter(services.now().date()),
        )
        return 201, GroupPublic.of(group)

    return await idempotent(
        services,
        actor,
        f"join:{group_id}",
        idempotency_key,
        body,
        operation,
        location=lambda _: f"/v1/groups/{group_id}/members/{body.participant_id}",
    )


@router.post(
    "/groups/{group_id}/intake-sheets",
    status_code=201,
    response_model=GroupPublic,
    responses=WRITE,
    summary="ODF staff enter an intake sheet: every participant on it joins, or none does",
)
async def join_many(
    group_id: str,
    body: IntakeSheet,
    services: ServicesDep,
    actor: StaffActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Each line is one participant's signed Letter of Commitment and business reason [¶24,
    ¶49]. A sheet with any line that breaks a rule is refused whole (422, `problems` lists
    every line's problem) and changes nothing. With an Idempotency-Key a repeated sheet
    replays the first response."""
    today = services.now().date()
    lines = [
        groups.Joining(m.participant_id, m.business_reason, m.letter(today)) for m in body.members
    ]

    async def operation(_: str) -> tuple[int, GroupPublic]:
        return 201, GroupPublic.of(await groups.join_many(services, actor, group_id, lines))

    return await idempotent(
        services,
        actor,
        f"intake:{group_id}",
        idempotency_key,
        body,
        operation,
        location=lambda _: f"/v1/groups/{group_id}/members",
    )


@router.post(
    "/groups/{group_id}/members/{participant_id}/leave",
    response_model=GroupPublic,
    responses=WRITE,
    summary="Leave the group with a business reason [¶24]",
)
async def leave(
    group_id: str,
    participant_id: str,
    body: MemberLeave,
    services: ServicesDep,
    actor: ParticipantOrStaffActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    require_self_or_staff(actor, participant_id)

    async def operation(_: str) -> tuple[int, GroupPublic]:
        group = await groups.leave(services, actor, group_id, participant_id, body.reason)
        return 200, GroupPublic.of(group)

    scope = f"leave:{group_id}:{participant_id}"
    return await idempotent(services, actor, scope, idempotency_key, body, operation)


@router.post(
    "/groups/{group_id}/development-organization",
    status_code=201,
    response_model=OdfPublic,
    responses=WRITE,
    summary="Register the active group's Development Organization [¶60]",
)
async def register_odf(
    group_id: str,
    body: OdfCreate,
    services: ServicesDep,
    actor: StaffActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    async def operation(_: str) -> tuple[int, OdfPublic]:
        odf = await groups.register_odf(
            services, actor, group_id, body.legal_name, body.rfc, body.trust_bank
        )
        return 201, OdfPublic.of(odf)

    return await idempotent(
        services,
        actor,
        f"odf:{group_id}",
        idempotency_key,
        body,
        operation,
        location=lambda _: f"/v1/groups/{group_id}",
    )

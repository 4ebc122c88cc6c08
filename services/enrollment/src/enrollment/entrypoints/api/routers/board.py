"""Board decisions. Any authenticated caller may ask; the rules of ¶55 decide, and a refusal
says why (a 403 naming the rule)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from enrollment.domain.committee import CandidatePosition
from enrollment.entrypoints.api.deps import AnyActor, ServicesDep
from enrollment.entrypoints.api.responses import READ, WRITE, idempotent, respond
from enrollment.entrypoints.api.schemas.groups import (
    BoardPublic,
    CandidateAppoint,
    RepresentativeAppoint,
    SeatRemoval,
)
from enrollment.service_layer import board, queries
from megp_common.web import IdempotencyKey

router = APIRouter(tags=["board of directors"])
DECISION = {**WRITE, 403: {**WRITE[403], "description": "Not a board decision-maker [¶55]"}}


@router.get("/groups/{group_id}/board", response_model=BoardPublic, responses=READ)
async def get_board(group_id: str, services: ServicesDep, actor: AnyActor) -> JSONResponse:
    return respond(BoardPublic.of(await queries.group(services, actor, group_id)))


@router.post(
    "/groups/{group_id}/board/representatives",
    status_code=201,
    response_model=BoardPublic,
    responses=DECISION,
    summary="Appoint a member representative (the group's decision)",
)
async def appoint_representative(
    group_id: str,
    body: RepresentativeAppoint,
    services: ServicesDep,
    actor: AnyActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    async def operation(seat_id: str) -> tuple[int, BoardPublic]:
        group = await board.appoint_representative(
            services, actor, group_id, body.participant_id, seat_id
        )
        return 201, BoardPublic.of(group)

    return await idempotent(
        services, actor, f"representative:{group_id}", idempotency_key, body, operation
    )


async def _appoint(
    group_id: str,
    body: CandidateAppoint,
    services: ServicesDep,
    actor: AnyActor,
    position: CandidatePosition,
    key: str,
) -> JSONResponse:
    async def operation(seat_id: str) -> tuple[int, BoardPublic]:
        group = await board.appoint_candidate(
            services, actor, group_id, body.candidate_id, position, seat_id
        )
        return 201, BoardPublic.of(group)

    return await idempotent(services, actor, f"{position.value}:{group_id}", key, body, operation)


@router.post(
    "/groups/{group_id}/board/special-members",
    status_code=201,
    response_model=BoardPublic,
    responses=DECISION,
    summary="Appoint a special member from the Support Committee's candidates",
)
async def appoint_special_member(
    group_id: str,
    body: CandidateAppoint,
    services: ServicesDep,
    actor: AnyActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    return await _appoint(
        group_id, body, services, actor, CandidatePosition.SPECIAL_MEMBER, idempotency_key
    )


@router.post(
    "/groups/{group_id}/board/director-general",
    status_code=201,
    response_model=BoardPublic,
    responses=DECISION,
    summary="Appoint the Director General from the Support Committee's candidates",
)
async def appoint_director_general(
    group_id: str,
    body: CandidateAppoint,
    services: ServicesDep,
    actor: AnyActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    return await _appoint(
        group_id, body, services, actor, CandidatePosition.DIRECTOR_GENERAL, idempotency_key
    )


@router.post(
    "/groups/{group_id}/board/seats/{seat_id}/removal",
    response_model=BoardPublic,
    responses=DECISION,
    summary="Remove someone from the board (a board decision)",
)
async def remove_seat(
    group_id: str,
    seat_id: str,
    body: SeatRemoval,
    services: ServicesDep,
    actor: AnyActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    async def operation(_: str) -> tuple[int, BoardPublic]:
        group = await board.remove(services, actor, group_id, seat_id, body.reason)
        return 200, BoardPublic.of(group)

    return await idempotent(
        services, actor, f"seat-removal:{group_id}:{seat_id}", idempotency_key, body, operation
    )

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from enrollment.domain.federal_entities import FEDERAL_ENTITIES
from enrollment.domain.participant import Programme
from enrollment.entrypoints.api.deps import (
    AnyActor,
    ParticipantOrStaffActor,
    ServicesDep,
    StaffActor,
    StaffOrServiceActor,
    require_self_or_staff,
)
from enrollment.entrypoints.api.responses import READ, UPDATE, WRITE, idempotent, respond
from enrollment.entrypoints.api.schemas.participants import (
    FederalEntityPublic,
    ParticipantCreate,
    ParticipantPublic,
    ParticipantUpdate,
    RegisteredLine,
    RegistrationSheet,
    RegistrationSheetPublic,
)
from enrollment.service_layer import participants, queries
from megp_common.auth import Role
from megp_common.ids import deterministic_id
from megp_common.mongo import Shard
from megp_common.web import (
    DEFAULT_PAGE_SIZE,
    CursorQuery,
    IdempotencyKey,
    IfMatchHeader,
    LimitQuery,
    Page,
)

router = APIRouter(tags=["participants"])


@router.get(
    "/federal-entities",
    response_model=list[FederalEntityPublic],
    responses=READ,
    summary="The 32 federal entities by INEGI code",
)
async def federal_entities(actor: AnyActor) -> list[FederalEntityPublic]:
    return [FederalEntityPublic(code=e.code, name=e.name) for e in FEDERAL_ENTITIES.values()]


@router.post(
    "/participants",
    status_code=201,
    response_model=ParticipantPublic,
    responses=WRITE,
    summary="Enroll a participant (once per CURP)",
)
async def enroll(
    body: ParticipantCreate,
    services: ServicesDep,
    actor: StaffActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    async def operation(participant_id: str) -> tuple[int, ParticipantPublic]:
        participant, created = await participants.enroll(
            services,
            actor,
            participant_id,
            curp=body.curp,
            birth_date=body.birth_date,
            gender=body.gender,
            details=body.details(),
        )
        return (201 if created else 200), ParticipantPublic.of(participant)

    return await idempotent(
        services,
        actor,
        "enroll",
        idempotency_key,
        body,
        operation,
        location=lambda b: f"/v1/participants/{b['id']}",
    )


@router.post(
    "/participants/registration-sheets",
    status_code=201,
    response_model=RegistrationSheetPublic,
    responses=WRITE,
    summary="Enroll everyone on a registration sheet (up to 500 lines; Idempotency-Key required)",
)
async def enroll_sheet(
    body: RegistrationSheet,
    services: ServicesDep,
    actor: StaffActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """The sheets state offices collect in the field, entered at once. The whole sheet is
    checked before anything is written: any line with a problem (CURP, its match with birth
    date and gender, the caller's states, a CURP twice, a CURP already enrolled) refuses it
    whole, 422 with every line's problem in `problems`. Line n's participant id is derived from
    the Idempotency-Key and n, so a retry after a lost answer or a crash completes the same
    sheet rather than enrolling anyone twice, and the first answer is replayed once complete."""
    lines = [
        participants.Registration(
            curp=p.curp, birth_date=p.birth_date, gender=p.gender, details=p.details()
        )
        for p in body.participants
    ]

    async def operation(sheet_id: str) -> tuple[int, RegistrationSheetPublic]:
        # the sheet's id comes from its (required) Idempotency-Key, so its lines' ids do too
        ids = [deterministic_id(sheet_id, str(n)) for n in range(1, len(lines) + 1)]
        enrolled = await participants.enroll_sheet(services, actor, lines, ids)
        return 201, RegistrationSheetPublic(
            enrolled=len(enrolled),
            participants=[
                RegisteredLine(
                    line=n, id=p.id, curp=p.curp, programmes=p.programmes, version=p.version
                )
                for n, p in enumerate(enrolled, start=1)
            ],
        )

    return await idempotent(
        services,
        actor,
        "registration-sheet",
        idempotency_key,
        body,
        operation,
        location=lambda _: "/v1/participants",
    )


@router.get(
    "/participants/{participant_id}",
    response_model=ParticipantPublic,
    responses=READ,
    summary="A participant (its ETag is the version to send in If-Match)",
)
async def get_participant(
    participant_id: str, services: ServicesDep, actor: ParticipantOrStaffActor
) -> JSONResponse:
    require_self_or_staff(actor, participant_id, Role.SERVICE)
    participant = await services.participants.get(participant_id, Shard.in_scope(actor.states))
    actor.check_state(participant.state)
    return respond(ParticipantPublic.of(participant))


@router.patch(
    "/participants/{participant_id}",
    response_model=ParticipantPublic,
    responses=UPDATE,
    summary="Change what a participant declared (If-Match)",
)
async def update_participant(
    participant_id: str,
    body: ParticipantUpdate,
    services: ServicesDep,
    actor: ParticipantOrStaffActor,
    if_match: IfMatchHeader = None,
) -> JSONResponse:
    require_self_or_staff(actor, participant_id)
    participant = await participants.update(
        services, actor, participant_id, if_match, body.changes()
    )
    return respond(ParticipantPublic.of(participant))


@router.get(
    "/participants",
    response_model=Page[ParticipantPublic],
    responses=READ,
    summary="List and search participants",
)
async def list_participants(
    services: ServicesDep,
    actor: StaffOrServiceActor,
    state_code: str | None = Query(default=None, pattern=r"^\d{2}$"),
    municipality: str | None = Query(default=None, max_length=120),
    programme: Programme | None = None,
    group_id: str | None = Query(default=None, max_length=64),
    curp: str | None = Query(default=None, max_length=24),
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[ParticipantPublic]:
    items, next_cursor = await queries.participants(
        services,
        actor,
        state=state_code,
        municipality=municipality,
        programme=programme.value if programme else None,
        group_id=group_id,
        curp=curp,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=[ParticipantPublic.of(p) for p in items], next_cursor=next_cursor)

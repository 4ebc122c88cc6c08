from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from enrollment.domain.committee import CommitteeKind, CommitteeMember
from enrollment.entrypoints.api.deps import (
    AnyActor,
    CandidateProposerActor,
    ServicesDep,
    StaffActor,
)
from enrollment.entrypoints.api.responses import READ, WRITE, idempotent, respond
from enrollment.entrypoints.api.schemas.committees import (
    CandidateCreate,
    CandidatePublic,
    CommitteeCreate,
    CommitteeMemberCreate,
    CommitteeMemberPublic,
    CommitteeMemberRemoval,
    CommitteePublic,
)
from enrollment.service_layer import committees, queries
from megp_common.web import (
    DEFAULT_PAGE_SIZE,
    CursorQuery,
    IdempotencyKey,
    LimitQuery,
    Page,
    page_of_sequence,
)

router = APIRouter(tags=["committees"])


@router.post(
    "/committees",
    status_code=201,
    response_model=CommitteePublic,
    responses=WRITE,
    summary="Form a committee (support and innovation: one per project)",
)
async def form(
    body: CommitteeCreate,
    services: ServicesDep,
    actor: StaffActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    async def operation(committee_id: str) -> tuple[int, CommitteePublic]:
        committee = await committees.form(
            services,
            actor,
            committee_id,
            kind=body.kind,
            name=body.name,
            project_id=body.project_id,
            discipline=body.discipline,
            level=body.level,
            state=body.state_code,
            region=body.region,
        )
        return 201, CommitteePublic.of(committee)

    return await idempotent(
        services,
        actor,
        "committee",
        idempotency_key,
        body,
        operation,
        location=lambda b: f"/v1/committees/{b['id']}",
    )


@router.get("/committees", response_model=Page[CommitteePublic], responses=READ)
async def list_committees(
    services: ServicesDep,
    actor: AnyActor,
    kind: CommitteeKind | None = None,
    project_id: str | None = Query(default=None, max_length=64),
    state_code: str | None = Query(default=None, pattern=r"^\d{2}$"),
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[CommitteePublic]:
    items, next_cursor = await queries.committees(
        services,
        actor,
        kind=kind.value if kind else None,
        project_id=project_id,
        state=state_code,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=[CommitteePublic.of(c) for c in items], next_cursor=next_cursor)


@router.get("/committees/{committee_id}", response_model=CommitteePublic, responses=READ)
async def get_committee(committee_id: str, services: ServicesDep, actor: AnyActor) -> JSONResponse:
    return respond(CommitteePublic.of(await queries.committee(services, actor, committee_id)))


@router.get(
    "/committees/{committee_id}/members", response_model=Page[CommitteeMemberPublic], responses=READ
)
async def list_members(
    committee_id: str,
    services: ServicesDep,
    actor: AnyActor,
    include_removed: bool = False,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[CommitteeMemberPublic]:
    items, next_cursor = await queries.committee_members(
        services,
        actor,
        committee_id,
        include_removed=include_removed,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=[CommitteeMemberPublic.of(m) for m in items], next_cursor=next_cursor)


@router.post(
    "/committees/{committee_id}/members",
    status_code=201,
    response_model=CommitteeMemberPublic,
    responses=WRITE,
)
async def add_member(
    committee_id: str,
    body: CommitteeMemberCreate,
    services: ServicesDep,
    actor: StaffActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    async def operation(member_id: str) -> tuple[int, CommitteeMemberPublic]:
        member = CommitteeMember(
            member_id=member_id, added_on=services.now().date(), **body.model_dump()
        )
        committee = await committees.add_member(services, actor, committee_id, member)
        return 201, CommitteeMemberPublic.of(committee.members[member_id])

    return await idempotent(
        services, actor, f"committee-member:{committee_id}", idempotency_key, body, operation
    )


@router.post(
    "/committees/{committee_id}/members/{member_id}/removal",
    response_model=CommitteeMemberPublic,
    responses=WRITE,
)
async def remove_member(
    committee_id: str,
    member_id: str,
    body: CommitteeMemberRemoval,
    services: ServicesDep,
    actor: StaffActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    async def operation(_: str) -> tuple[int, CommitteeMemberPublic]:
        committee = await committees.remove_member(
            services, actor, committee_id, member_id, body.reason
        )
        return 200, CommitteeMemberPublic.of(committee.members[member_id])

    scope = f"committee-removal:{committee_id}:{member_id}"
    return await idempotent(services, actor, scope, idempotency_key, body, operation)


@router.get(
    "/committees/{committee_id}/candidates", response_model=Page[CandidatePublic], responses=READ
)
async def list_candidates(
    committee_id: str,
    services: ServicesDep,
    actor: AnyActor,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[CandidatePublic]:
    committee = await queries.committee(services, actor, committee_id)
    items, next_cursor = page_of_sequence(
        list(committee.candidates.values()), lambda c: c.candidate_id, cursor=cursor, limit=limit
    )
    return Page(items=[CandidatePublic.of(c) for c in items], next_cursor=next_cursor)


@router.post(
    "/committees/{committee_id}/candidates",
    status_code=201,
    response_model=CandidatePublic,
    responses=WRITE,
    summary="Propose a board candidate (Support Committee only) [¶54]",
)
async def propose_candidate(
    committee_id: str,
    body: CandidateCreate,
    services: ServicesDep,
    actor: CandidateProposerActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    async def operation(candidate_id: str) -> tuple[int, CandidatePublic]:
        candidate = await committees.propose_candidate(
            services,
            actor,
            committee_id,
            candidate_id=candidate_id,
            position=body.position,
            name=body.name,
            participant_id=body.participant_id,
            profile=body.profile,
        )
        return 201, CandidatePublic.of(candidate)

    return await idempotent(
        services, actor, f"candidate:{committee_id}", idempotency_key, body, operation
    )

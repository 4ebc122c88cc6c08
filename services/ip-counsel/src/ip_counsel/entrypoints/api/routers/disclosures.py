"""Disclosures under secrecy [¶3]: recorded and revised by their inventors, read (content
for the circle only, every read logged), assigned a counsellor, decided by the inventors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from ip_counsel.entrypoints.api.deps import DisclosureId, ServicesDep, keyed
from ip_counsel.entrypoints.api.errors import READ, WRITE
from ip_counsel.entrypoints.api.schemas.counsellors import SessionCreate, SessionList, SessionPublic
from ip_counsel.entrypoints.api.schemas.disclosures import (
    AccessLog,
    ContentRead,
    CounsellorAssignment,
    DecisionCreate,
    DisclosureCreate,
    DisclosurePublic,
    DisclosureView,
    RevisionCreate,
)
from ip_counsel.service_layer import disclosures, queries
from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import CursorQuery, IdempotencyKey, LimitQuery, Page

router = APIRouter(prefix="/disclosures", tags=["disclosures"])
RevisionNumber = Annotated[int, Path(ge=1, le=10_000)]


@router.post(
    "",
    status_code=201,
    response_model=DisclosurePublic,
    responses=WRITE,
    summary="An inventor records a disclosure (its content sealed; the answer is metadata)",
)
async def record(
    body: DisclosureCreate, services: ServicesDep, who: CurrentPrincipal, key: IdempotencyKey
) -> JSONResponse:
    async def run(disclosure_id: str) -> tuple[int, DisclosurePublic]:
        found = await disclosures.record(services, who, body.command(), disclosure_id)
        return 201, DisclosurePublic.of(found)

    return await keyed(services, who, "disclosures", key, body, run)


@router.get(
    "",
    response_model=Page[DisclosurePublic],
    responses=READ,
    summary="Disclosures' metadata in the caller's states",
)
async def list_disclosures(
    services: ServicesDep,
    who: CurrentPrincipal,
    group_id: Annotated[str | None, Query(max_length=100)] = None,
    state_code: Annotated[str | None, Query(pattern=r"^(0[1-9]|[12][0-9]|3[0-2])$")] = None,
    counsellor_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[DisclosurePublic]:
    found, after = await queries.disclosures(
        services,
        who,
        group_id=group_id,
        state=state_code,
        cursor=cursor,
        limit=limit,
        counsellor_id=counsellor_id,
    )
    return Page(items=[DisclosurePublic.of(d) for d in found], next_cursor=after)


@router.get(
    "/{disclosure_id}",
    response_model=DisclosureView,
    responses=READ,
    summary="A disclosure: metadata, and its latest content for the circle of ¶3 (logged)",
)
async def get_disclosure(
    disclosure_id: DisclosureId, services: ServicesDep, who: CurrentPrincipal
) -> DisclosureView:
    seen = await queries.disclosure(services, who, disclosure_id)
    return DisclosureView.of_read(
        seen.disclosure, seen.revision.number, seen.capacity, seen.content
    )


@router.post(
    "/{disclosure_id}/revisions",
    status_code=201,
    response_model=DisclosurePublic,
    responses=WRITE,
    summary="An inventor records a new revision; every earlier one is kept",
)
async def revise(
    disclosure_id: DisclosureId,
    body: RevisionCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(request_id: str) -> tuple[int, DisclosurePublic]:
        d, _ = await disclosures.revise(
            services, who, disclosure_id, body.content.content(), request_id
        )
        return 201, DisclosurePublic.of(d)

    return await keyed(services, who, f"revisions:{disclosure_id}", key, body, run)


@router.get(
    "/{disclosure_id}/revisions/{number}",
    response_model=DisclosureView,
    responses=READ,
    summary="One revision: its content for the circle of ¶3 (logged), metadata otherwise",
)
async def get_revision(
    disclosure_id: DisclosureId,
    number: RevisionNumber,
    services: ServicesDep,
    who: CurrentPrincipal,
) -> DisclosureView:
    seen = await queries.revision(services, who, disclosure_id, number)
    return DisclosureView.of_read(seen.disclosure, number, seen.capacity, seen.content)


@router.get(
    "/{disclosure_id}/access-log",
    response_model=AccessLog,
    responses=READ,
    summary="Every read of the content: who, when, what (its inventors; programme supervisors)",
)
async def access_log(
    disclosure_id: DisclosureId,
    services: ServicesDep,
    who: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> AccessLog:
    reads = await queries.access_log(services, who, disclosure_id, limit)
    return AccessLog(disclosure_id=disclosure_id, reads=[ContentRead.of(r) for r in reads])


@router.post(
    "/{disclosure_id}/counsellor",
    response_model=DisclosurePublic,
    responses=WRITE,
    summary="A programme supervisor of its state assigns the disclosure's counsellor",
)
async def assign(
    disclosure_id: DisclosureId,
    body: CounsellorAssignment,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, DisclosurePublic]:
        d = await disclosures.assign(services, who, disclosure_id, body.counsellor_id)
        return 200, DisclosurePublic.of(d)

    return await keyed(services, who, f"counsellor:{disclosure_id}", key, body, run)


@router.post(
    "/{disclosure_id}/sessions",
    status_code=201,
    response_model=SessionPublic,
    responses=WRITE,
    summary="The assigned counsellor records a session: advice (sealed), route recommended",
)
async def record_session(
    disclosure_id: DisclosureId,
    body: SessionCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(request_id: str) -> tuple[int, SessionPublic]:
        _, session = await disclosures.record_session(
            services, who, disclosure_id, body.command(), request_id
        )
        return 201, SessionPublic.of(session)

    return await keyed(services, who, f"sessions:{disclosure_id}", key, body, run)


@router.get(
    "/{disclosure_id}/sessions",
    response_model=SessionList,
    responses=READ,
    summary="Counselling sessions; the advice only for the inventors and the counsellor",
)
async def list_sessions(
    disclosure_id: DisclosureId, services: ServicesDep, who: CurrentPrincipal
) -> SessionList:
    _, found = await queries.sessions(services, who, disclosure_id)
    return SessionList(
        disclosure_id=disclosure_id, items=[SessionPublic.of(s, a) for s, a in found]
    )


@router.post(
    "/{disclosure_id}/decision",
    response_model=DisclosurePublic,
    responses=WRITE,
    summary="The inventors decide: file (with its route), keep secret, or publish [¶55]",
)
async def decide(
    disclosure_id: DisclosureId,
    body: DecisionCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(request_id: str) -> tuple[int, DisclosurePublic]:
        d, _ = await disclosures.decide(services, who, disclosure_id, body.command(), request_id)
        return 200, DisclosurePublic.of(d)

    return await keyed(services, who, f"decision:{disclosure_id}", key, body, run)

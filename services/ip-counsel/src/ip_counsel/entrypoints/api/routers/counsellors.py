"""The programme's register of IP counsellors [¶36]."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from ip_counsel.entrypoints.api.deps import CounsellorId, ServicesDep, keyed
from ip_counsel.entrypoints.api.errors import READ, WRITE
from ip_counsel.entrypoints.api.schemas.counsellors import (
    CounsellorCreate,
    CounsellorList,
    CounsellorPublic,
)
from ip_counsel.service_layer import counsellors, queries
from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import CursorQuery, IdempotencyKey, LimitQuery

router = APIRouter(prefix="/counsellors", tags=["counsellors"])


@router.post(
    "",
    status_code=201,
    response_model=CounsellorPublic,
    responses=WRITE,
    summary="A national programme supervisor registers an IP counsellor",
)
async def register(
    body: CounsellorCreate, services: ServicesDep, who: CurrentPrincipal, key: IdempotencyKey
) -> JSONResponse:
    async def run(counsellor_id: str) -> tuple[int, CounsellorPublic]:
        found = await counsellors.register(services, who, body.command(), counsellor_id)
        return 201, CounsellorPublic.of(found)

    return await keyed(services, who, "counsellors", key, body, run)


@router.get("", response_model=CounsellorList, responses=READ, summary="The registered counsellors")
async def list_counsellors(
    services: ServicesDep,
    who: CurrentPrincipal,
    signed_in: Annotated[
        bool,
        Query(
            description="Only the counsellor the caller signs in as (the `ip_counsellor` role "
            "and the subject registered): none for a caller who is no registered counsellor"
        ),
    ] = False,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> CounsellorList:
    found, after = await queries.counsellors(services, cursor, limit, who if signed_in else None)
    return CounsellorList(items=[CounsellorPublic.of(c) for c in found], next_cursor=after)


@router.get(
    "/{counsellor_id}", response_model=CounsellorPublic, responses=READ, summary="A counsellor"
)
async def get_counsellor(
    counsellor_id: CounsellorId, services: ServicesDep, who: CurrentPrincipal
) -> CounsellorPublic:
    return CounsellorPublic.of(await queries.counsellor(services, counsellor_id))

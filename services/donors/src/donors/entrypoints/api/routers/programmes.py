"""Matching programmes (3x1 style) and the co-funders' pledges."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from donors.entrypoints.api.deps import (
    PledgeId,
    ProgrammeId,
    Reader,
    ServicesDep,
    Supervisor,
    keyed,
)
from donors.entrypoints.api.errors import READ, WRITE
from donors.entrypoints.api.schemas.programmes import (
    PledgePublic,
    ProgrammeCreate,
    ProgrammePublic,
)
from donors.service_layer import matching, queries
from megp_common.auth import DonorAccess, open_to_donors
from megp_common.web import IdempotencyKey

router = APIRouter(tags=["matching"])


@router.post(
    "/matching-programmes",
    status_code=201,
    response_model=ProgrammePublic,
    responses=WRITE,
    summary="A national supervisor opens a matching programme: co-funders and their ratios, "
    "caps, eligible states and specific programmes, a window",
)
async def create(
    body: ProgrammeCreate, services: ServicesDep, who: Supervisor, key: IdempotencyKey
) -> JSONResponse:
    async def run(new_id: str) -> tuple[int, ProgrammePublic]:
        made = body.model(new_id, who.subject, services.now())
        return 201, ProgrammePublic.of(await matching.create_programme(services, who, made))

    return await keyed(services, who, "matching-programmes", key, body, run)


@router.get(
    "/matching-programmes/{programme_id}",
    response_model=ProgrammePublic,
    responses=READ,
    summary="A matching programme",
    openapi_extra=open_to_donors(DonorAccess.COMMUNITY),
)
async def get_programme(
    programme_id: ProgrammeId, services: ServicesDep, who: Reader
) -> ProgrammePublic:
    return ProgrammePublic.of(await queries.programme(services, who, programme_id))


@router.get(
    "/matching-programmes/{programme_id}/pledges",
    response_model=list[PledgePublic],
    responses=READ,
    summary="A programme's pledges (a co-funder sees its own)",
)
async def pledges(
    programme_id: ProgrammeId,
    services: ServicesDep,
    who: Supervisor,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[PledgePublic]:
    found = await queries.programme_pledges(services, who, programme_id, limit)
    return [PledgePublic.of(p) for p in found]


@router.get(
    "/pledges/{pledge_id}",
    response_model=PledgePublic,
    responses=READ,
    summary="A pledge (the co-funder's, the association's portal, supervisors)",
    openapi_extra=open_to_donors(DonorAccess.ASSOCIATION),
)
async def get_pledge(pledge_id: PledgeId, services: ServicesDep, who: Reader) -> PledgePublic:
    return PledgePublic.of(await queries.pledge(services, who, pledge_id))


@router.post(
    "/pledges/{pledge_id}/confirmation",
    response_model=PledgePublic,
    responses=WRITE,
    summary="The co-funder confirms its pledge",
)
async def confirm(
    pledge_id: PledgeId, services: ServicesDep, who: Supervisor, key: IdempotencyKey
) -> JSONResponse:
    async def run(_: str) -> tuple[int, PledgePublic]:
        return 200, PledgePublic.of(await matching.confirm(services, who, pledge_id))

    return await keyed(services, who, f"pledges.{pledge_id}.confirmation", key, {}, run)


@router.post(
    "/pledges/{pledge_id}/payment",
    response_model=PledgePublic,
    responses=WRITE,
    summary="The co-funder pays its confirmed pledge: funds books it as the co-funder's own "
    "grant (paid twice: 409)",
)
async def pay(
    pledge_id: PledgeId, services: ServicesDep, who: Supervisor, key: IdempotencyKey
) -> JSONResponse:
    async def run(_: str) -> tuple[int, PledgePublic]:
        return 200, PledgePublic.of(await matching.pay(services, who, pledge_id))

    return await keyed(services, who, f"pledges.{pledge_id}.payment", key, {}, run)

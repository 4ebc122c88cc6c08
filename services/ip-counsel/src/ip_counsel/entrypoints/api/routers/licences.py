"""Licences and assignments of an invention, the licensee's royalty reports and the payments
received [¶3]; recorded by the inventors or their assigned counsellor, the inventors deciding
[¶55]. Metadata only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from ip_counsel.entrypoints.api.deps import ServicesDep, keyed
from ip_counsel.entrypoints.api.errors import READ, WRITE
from ip_counsel.entrypoints.api.schemas.licences import (
    LicenceCreate,
    LicencePublic,
    PaymentCreate,
    PaymentPublic,
    ReportCreate,
    ReportPublic,
)
from ip_counsel.service_layer import licences, queries
from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import CursorQuery, IdempotencyKey, LimitQuery, Page

router = APIRouter(prefix="/licences", tags=["licences"])
LicenceId = Annotated[str, Path(min_length=1, max_length=100)]
ReportId = Annotated[str, Path(min_length=1, max_length=100)]


@router.post(
    "",
    status_code=201,
    response_model=LicencePublic,
    responses=WRITE,
    summary="The inventors (or their counsellor) record a licence or an assignment [¶3, ¶55]",
)
async def grant(
    body: LicenceCreate, services: ServicesDep, who: CurrentPrincipal, key: IdempotencyKey
) -> JSONResponse:
    async def run(licence_id: str) -> tuple[int, LicencePublic]:
        found = await licences.grant(services, who, body.command(), licence_id)
        return 201, LicencePublic.of(found)

    return await keyed(services, who, "licences", key, body, run)


@router.get(
    "",
    response_model=Page[LicencePublic],
    responses=READ,
    summary="Licences and assignments in the caller's states",
)
async def list_licences(
    services: ServicesDep,
    who: CurrentPrincipal,
    disclosure_id: Annotated[str | None, Query(max_length=100)] = None,
    state_code: Annotated[str | None, Query(pattern=r"^(0[1-9]|[12][0-9]|3[0-2])$")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[LicencePublic]:
    found, after = await queries.licences(
        services, who, disclosure_id=disclosure_id, state=state_code, cursor=cursor, limit=limit
    )
    return Page(items=[LicencePublic.of(x) for x in found], next_cursor=after)


@router.get(
    "/{licence_id}",
    response_model=LicencePublic,
    responses=READ,
    summary="A licence: its terms, reports and payments",
)
async def get_licence(
    licence_id: LicenceId, services: ServicesDep, who: CurrentPrincipal
) -> LicencePublic:
    return LicencePublic.of(await licences.loaded_licence(services, who, licence_id))


@router.post(
    "/{licence_id}/reports",
    status_code=201,
    response_model=ReportPublic,
    responses=WRITE,
    summary="The licensee's royalty report for one period (its sales), and the royalty due",
)
async def report(
    licence_id: LicenceId,
    body: ReportCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(request_id: str) -> tuple[int, ReportPublic]:
        _, made = await licences.report(services, who, licence_id, body.command(), request_id)
        return 201, ReportPublic.of(made)

    return await keyed(services, who, f"royalty-reports:{licence_id}", key, body, run)


@router.post(
    "/{licence_id}/reports/{report_id}/payments",
    status_code=201,
    response_model=PaymentPublic,
    responses=WRITE,
    summary="A royalty payment received: split among the inventors, announced as their income",
)
async def receive(
    licence_id: LicenceId,
    report_id: ReportId,
    body: PaymentCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(request_id: str) -> tuple[int, PaymentPublic]:
        _, _, payment = await licences.receive(
            services, who, licence_id, report_id, body.command(), request_id
        )
        return 201, PaymentPublic.of(payment)

    return await keyed(services, who, f"royalty-payments:{licence_id}:{report_id}", key, body, run)

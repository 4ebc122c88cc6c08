"""Filings at IMPI [¶7, ¶55]: drafted once the inventors decided to file, each step of the
office's procedure recorded by the inventors or their counsellor, fees paid by the inventors or
their ODF, financing asked; and the deadlines every filing keeps, due in the next days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ip_counsel.domain.deadline_book import FilingStatus
from ip_counsel.domain.filings import Filing
from ip_counsel.entrypoints.api.deps import ServicesDep, keyed
from ip_counsel.entrypoints.api.errors import READ, WRITE
from ip_counsel.entrypoints.api.schemas.filings import (
    DatedAct,
    DeadlinePublic,
    DueDeadline,
    DueDeadlines,
    FeePaymentCreate,
    FilingCreate,
    FilingPublic,
    FinancingCreate,
    GrantCreate,
    OfficeActionCreate,
    ResponseCreate,
    SubmissionCreate,
    UseDeclarationCreate,
)
from ip_counsel.service_layer import filings, queries
from megp_common.auth import Principal
from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import CursorQuery, IdempotencyKey, LimitQuery, Page

router = APIRouter(tags=["filings"])
FilingId = Annotated[str, Path(min_length=1, max_length=100)]
StateCode = Annotated[str | None, Query(pattern=r"^(0[1-9]|[12][0-9]|3[0-2])$")]


async def _step(
    services: ServicesDep,
    who: Principal,
    filing_id: str,
    verb_name: str,
    key: str,
    body: BaseModel,
    verb: Callable[[Filing, date], object],
) -> JSONResponse:
    async def run(request_id: str) -> tuple[int, FilingPublic]:
        f = await filings.act(services, who, filing_id, request_id, verb)
        return 200, FilingPublic.of(f)

    return await keyed(services, who, f"filing-{verb_name}:{filing_id}", key, body, run)


@router.post(
    "/filings",
    status_code=201,
    response_model=FilingPublic,
    responses=WRITE,
    summary="Draft a filing once the inventors decided to file as that type [¶55]",
)
async def draft(
    body: FilingCreate, services: ServicesDep, who: CurrentPrincipal, key: IdempotencyKey
) -> JSONResponse:
    async def run(filing_id: str) -> tuple[int, FilingPublic]:
        f = await filings.draft(services, who, body.command(), filing_id)
        return 201, FilingPublic.of(f)

    return await keyed(services, who, "filings", key, body, run)


@router.get(
    "/filings",
    response_model=Page[FilingPublic],
    responses=READ,
    summary="Filings in the caller's states, by disclosure, group, state or status",
)
async def list_filings(
    services: ServicesDep,
    who: CurrentPrincipal,
    disclosure_id: Annotated[str | None, Query(max_length=100)] = None,
    group_id: Annotated[str | None, Query(max_length=100)] = None,
    state_code: StateCode = None,
    status: FilingStatus | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[FilingPublic]:
    found, after = await queries.filings(
        services,
        who,
        disclosure_id=disclosure_id,
        group_id=group_id,
        state=state_code,
        status=status.value if status else None,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=[FilingPublic.of(f) for f in found], next_cursor=after)


@router.get(
    "/filings/{filing_id}",
    response_model=FilingPublic,
    responses=READ,
    summary="A filing: its steps, deadlines, fees and payments (metadata)",
)
async def get_filing(
    filing_id: FilingId, services: ServicesDep, who: CurrentPrincipal
) -> FilingPublic:
    return FilingPublic.of(await queries.filing(services, who, filing_id))


@router.post(
    "/filings/{filing_id}/submission",
    response_model=FilingPublic,
    responses=WRITE,
    summary="Filed at IMPI: the application number and the filing date",
)
async def submit(
    filing_id: FilingId,
    body: SubmissionCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    return await _step(
        services,
        who,
        filing_id,
        "submission",
        key,
        body,
        lambda f, today: f.submit(body.application_number, body.filed_on, today),
    )


@router.post(
    "/filings/{filing_id}/publication",
    response_model=FilingPublic,
    responses=WRITE,
    summary="IMPI published the application",
)
async def publish(
    filing_id: FilingId,
    body: DatedAct,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    return await _step(
        services, who, filing_id, "publication", key, body, lambda f, t: f.publish(body.on, t)
    )


@router.post(
    "/filings/{filing_id}/examination",
    response_model=FilingPublic,
    responses=WRITE,
    summary="The substantive examination started",
)
async def examine(
    filing_id: FilingId,
    body: DatedAct,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    return await _step(
        services,
        who,
        filing_id,
        "examination",
        key,
        body,
        lambda f, t: f.start_examination(body.on, t),
    )


@router.post(
    "/filings/{filing_id}/office-actions",
    response_model=FilingPublic,
    responses=WRITE,
    summary="An office action received: its answer's deadline opens",
)
async def office_action(
    filing_id: FilingId,
    body: OfficeActionCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    return await _step(
        services,
        who,
        filing_id,
        "office-action",
        key,
        body,
        lambda f, t: f.receive_office_action(body.received_on, t),
    )


@router.post(
    "/filings/{filing_id}/responses",
    response_model=FilingPublic,
    responses=WRITE,
    summary="An office action answered in time (in its paid extension: POST fees)",
)
async def respond(
    filing_id: FilingId,
    body: ResponseCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(request_id: str) -> tuple[int, FilingPublic]:
        f = await filings.respond(
            services,
            who,
            filing_id,
            request_id,
            deadline_id=body.deadline_id,
            responded_on=body.responded_on,
        )
        return 200, FilingPublic.of(f)

    return await keyed(services, who, f"filing-response:{filing_id}", key, body, run)


@router.post(
    "/filings/{filing_id}/allowance",
    response_model=FilingPublic,
    responses=WRITE,
    summary="A notice of allowance: the grant fee falls due",
)
async def allow(
    filing_id: FilingId,
    body: DatedAct,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    return await _step(
        services, who, filing_id, "allowance", key, body, lambda f, t: f.allow(body.on, t)
    )


@router.post(
    "/filings/{filing_id}/fees",
    response_model=FilingPublic,
    responses=WRITE,
    summary="A fee paid (grant fee, annuity, renewal, national phase, extension), and by whom",
)
async def pay_fee(
    filing_id: FilingId,
    body: FeePaymentCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(request_id: str) -> tuple[int, FilingPublic]:
        f = await filings.pay(
            services,
            who,
            filing_id,
            request_id,
            deadline_id=body.deadline_id,
            paid_on=body.paid_on,
            amount=body.amount,
            kinds=filings.FEES,
        )
        return 200, FilingPublic.of(f)

    return await keyed(services, who, f"filing-fee:{filing_id}", key, body, run)


@router.post(
    "/filings/{filing_id}/grant",
    response_model=FilingPublic,
    responses=WRITE,
    summary="Granted: the title number (the grant fee paid first)",
)
async def grant(
    filing_id: FilingId,
    body: GrantCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    return await _step(
        services,
        who,
        filing_id,
        "grant",
        key,
        body,
        lambda f, t: f.grant(body.title_number, body.granted_on, t),
    )


@router.post(
    "/filings/{filing_id}/in-force",
    response_model=FilingPublic,
    responses=WRITE,
    summary="The grant published in IMPI's gazette: in force",
)
async def in_force(
    filing_id: FilingId,
    body: DatedAct,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    return await _step(
        services, who, filing_id, "in-force", key, body, lambda f, t: f.publish_grant(body.on, t)
    )


@router.post(
    "/filings/{filing_id}/use-declaration",
    response_model=FilingPublic,
    responses=WRITE,
    summary="A mark's declaration of use filed, its fee paid (by the inventors or the ODF)",
)
async def declare_use(
    filing_id: FilingId,
    body: UseDeclarationCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(request_id: str) -> tuple[int, FilingPublic]:
        f = await filings.pay(
            services,
            who,
            filing_id,
            request_id,
            deadline_id="use_declaration",
            paid_on=body.declared_on,
            amount=body.amount,
            kinds=filings.USE_DECLARATION,
        )
        return 200, FilingPublic.of(f)

    return await keyed(services, who, f"filing-use:{filing_id}", key, body, run)


@router.post(
    "/filings/{filing_id}/abandonment",
    response_model=FilingPublic,
    responses=WRITE,
    summary="The inventors withdraw the application or give up the right",
)
async def abandon(
    filing_id: FilingId,
    body: DatedAct,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    return await _step(
        services, who, filing_id, "abandonment", key, body, lambda f, t: f.abandon(body.on, t)
    )


@router.post(
    "/filings/{filing_id}/financing",
    response_model=FilingPublic,
    responses=WRITE,
    summary="An inventor asks for a fee to be financed (Competition Sub-Fund or a loan)",
)
async def ask_financing(
    filing_id: FilingId,
    body: FinancingCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(request_id: str) -> tuple[int, FilingPublic]:
        f = await filings.ask_financing(
            services,
            who,
            filing_id,
            request_id,
            deadline_id=body.deadline_id,
            source=body.source,
            purpose=body.purpose,
        )
        return 200, FilingPublic.of(f)

    return await keyed(services, who, f"filing-financing:{filing_id}", key, body, run)


@router.get(
    "/deadlines",
    response_model=DueDeadlines,
    responses=READ,
    summary="Open deadlines due within the next days: a counsellor's, or the caller's states'",
)
async def due_deadlines(
    services: ServicesDep,
    who: CurrentPrincipal,
    within_days: Annotated[int, Query(ge=1, le=3660)] = 90,
    counsellor_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    state_code: StateCode = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> DueDeadlines:
    rows = await queries.deadlines(
        services,
        who,
        within_days=within_days,
        counsellor_id=counsellor_id,
        state=state_code,
        limit=limit,
    )
    today = services.today()
    return DueDeadlines(
        today=today,
        until=today + timedelta(days=within_days),
        counsellor_id=counsellor_id,
        items=[
            DueDeadline(
                filing_id=f.id,
                disclosure_id=f.disclosure_id,
                group_id=f.group_id,
                state_code=f.state,
                filing_type=f.filing_type,
                application_number=f.application_number,
                deadline=DeadlinePublic.of(d, f.currency),
                days_left=(d.due_on - today).days,
            )
            for f, d in rows
        ],
    )

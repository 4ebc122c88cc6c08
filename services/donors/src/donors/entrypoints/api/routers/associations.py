"""Associations: registered by a national supervisor; read with their notices, the projects
of their community of origin, their donations and their periodic reports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from donors.adapters.receipt_pdf import report_pdf
from donors.domain.report_copy import ReportCopy
from donors.entrypoints.api.deps import (
    AssociationId,
    Period,
    Reader,
    ServicesDep,
    Supervisor,
    keyed,
)
from donors.entrypoints.api.errors import READ, WRITE
from donors.entrypoints.api.schemas.associations import (
    AssociationCreate,
    AssociationPublic,
    NoticePublic,
    ProjectPublic,
)
from donors.entrypoints.api.schemas.donations import DonationPublic, ReportPublic
from donors.service_layer import associations, donations, queries, reports
from megp_common.auth import DonorAccess, open_to_donors
from megp_common.web import (
    DEFAULT_PAGE_SIZE,
    CursorQuery,
    IdempotencyKey,
    LimitQuery,
    Page,
)

router = APIRouter(prefix="/associations", tags=["associations"])
#: the association's own records, open to its portal (`megp_common.auth.donors`)
OWN = open_to_donors(DonorAccess.ASSOCIATION)
Limit = Annotated[int, Query(ge=1, le=500)]


@router.post(
    "",
    status_code=201,
    response_model=AssociationPublic,
    responses=WRITE,
    summary="A national programme supervisor registers an association of Mexicans abroad and "
    "the community of origin it supports [¶53]",
)
async def register(
    body: AssociationCreate, services: ServicesDep, who: Supervisor, key: IdempotencyKey
) -> JSONResponse:
    async def run(new_id: str) -> tuple[int, AssociationPublic]:
        made = await associations.register(
            services,
            who,
            new_id,
            name=body.name,
            country=body.country,
            city=body.city,
            origin_state=body.origin_state_code,
            origin_municipality=body.origin_municipality,
        )
        return 201, AssociationPublic.of(made)

    return await keyed(services, who, "associations", key, body, run)


@router.get(
    "/{association_id}",
    response_model=AssociationPublic,
    responses=READ,
    summary="The association (its own portal, supervisors of its state)",
    openapi_extra=OWN,
)
async def get_association(
    association_id: AssociationId, services: ServicesDep, who: Reader
) -> AssociationPublic:
    return AssociationPublic.of(await queries.association(services, who, association_id))


@router.get(
    "/{association_id}/notices",
    response_model=list[NoticePublic],
    responses=READ,
    summary="What the association was told (pledges lapsed, refunds refused), newest first",
    openapi_extra=OWN,
)
async def notices(
    association_id: AssociationId, services: ServicesDep, who: Reader
) -> list[NoticePublic]:
    return [NoticePublic.of(n) for n in await queries.notices(services, who, association_id)]


@router.get(
    "/{association_id}/projects",
    response_model=Page[ProjectPublic],
    responses=READ,
    summary="The groups of the community of origin, in pages by id: public data only",
    openapi_extra=OWN,
)
async def projects(
    association_id: AssociationId,
    services: ServicesDep,
    who: Reader,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[ProjectPublic]:
    found, next_cursor = await queries.projects(services, who, association_id, cursor, limit)
    return Page(items=[ProjectPublic.of(p) for p in found], next_cursor=next_cursor)


@router.get(
    "/{association_id}/donations",
    response_model=list[DonationPublic],
    responses=READ,
    summary="The association's donations, oldest first",
    openapi_extra=OWN,
)
async def list_donations(
    association_id: AssociationId, services: ServicesDep, who: Reader, limit: Limit = 100
) -> list[DonationPublic]:
    found = await donations.of_association(services, who, association_id, limit)
    return [DonationPublic.of(d) for d in found]


@router.get(
    "/{association_id}/reports/{period}",
    response_model=ReportPublic,
    responses={**READ, 200: {"content": {"application/pdf": {}}}},
    summary="What the association's money did in a month (YYYY-MM) or a year (YYYY), as "
    "JSON or PDF",
    openapi_extra=OWN,
)
async def report(
    association_id: AssociationId,
    period: Period,
    services: ServicesDep,
    who: Reader,
    format: Literal["json", "pdf"] = "json",
) -> Response:
    """A period announced ready answers the copy kept when it was announced (service_layer/
    reports.py), as JSON and as the PDF drawn from it; a period not announced yet is computed
    now (`final: false`)."""
    found = await reports.report(services, who, association_id, period)
    if isinstance(found, ReportCopy):
        content, drawn_at = found.content, found.stored_at
    else:
        content, drawn_at = services.render_report(found), services.now()
    if format == "json":
        return Response(content, media_type="application/json")
    pdf = _report_pdf(ReportPublic.model_validate_json(content), drawn_at)
    return Response(pdf, media_type="application/pdf")


def _report_pdf(found: ReportPublic, when: datetime) -> bytes:
    sections = [
        (
            f"{found.period}: {found.association_id}",
            [
                ("Donado / Given (MXN)", str(found.given_mxn)),
                ("Conservado / Kept (MXN)", str(found.kept_mxn)),
                ("Aportado por cofinanciadores / Matched (MXN)", str(found.matched_mxn)),
                ("Pagado / Matched and paid (MXN)", str(found.matched_paid_mxn)),
                ("Cifras al / Figures as of", found.as_of.isoformat()),
                (
                    "Definitivo / Final",
                    "sí / yes" if found.final else "no: provisional / not yet final",
                ),
                *[
                    (f"Hechos en / Made in {m.month}", f"{m.donations}: {m.given_mxn} MXN")
                    for m in found.by_month
                ],
                *[
                    (
                        f"Registro tardío / Late booking ({d.made_in})",
                        f"{d.portal_donation_id}: {d.amount_mxn} MXN",
                    )
                    for d in found.late_bookings
                ],
            ],
        ),
        *[
            (
                g.group_name or g.group_id,
                [
                    ("Donativos / Donations", str(g.donations)),
                    ("Donado / Given (MXN)", str(g.given_mxn)),
                    ("Parte de los ingresos / Share of inflows", str(g.share_of_inflows)),
                    ("Subfondo de Desarrollo / Development", str(g.fund.development)),
                    ("Subfondo de Competitividad / Competition", str(g.fund.competition)),
                    (
                        "Pagado por prestatarios / Paid for borrowers",
                        str(g.fund.paid_for_borrowers),
                    ),
                    ("Reembolsado / Repaid by borrowers", str(g.fund.repaid_by_borrowers)),
                    ("Vueltas / Turns", str(g.fund.turns)),
                    ("Avisos / Notices", str(g.fund.notices_of_non_fulfillment)),
                    *[
                        (f"Gasto / Spending: {k}", str(v))
                        for k, v in g.fund.competition_spending.items()
                    ],
                ],
            )
            for g in found.groups
        ],
    ]
    return report_pdf(f"Informe {found.period}", when, sections)

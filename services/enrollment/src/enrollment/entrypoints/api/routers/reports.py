from __future__ import annotations

from fastapi import APIRouter, Query

from enrollment.entrypoints.api.deps import ReportReader, ServicesDep
from enrollment.entrypoints.api.responses import READ
from enrollment.entrypoints.api.schemas.reports import IncomeGrowthReport, ParticipationReport
from enrollment.service_layer import reports

router = APIRouter(prefix="/reports", tags=["reports"])
StateQuery = Query(default=None, pattern=r"^\d{2}$")


@router.get(
    "/participation",
    response_model=ParticipationReport,
    responses=READ,
    summary="Participation by state, programme, gender and member type [¶20]",
)
async def participation(
    services: ServicesDep, actor: ReportReader, state_code: str | None = StateQuery
) -> ParticipationReport:
    return ParticipationReport(**await reports.participation(services, actor, state_code))


@router.get(
    "/income-growth",
    response_model=IncomeGrowthReport,
    responses=READ,
    summary="Members' income against their baseline over closed periods [¶65]",
)
async def income_growth(
    services: ServicesDep,
    actor: ReportReader,
    state_code: str | None = StateQuery,
    group_id: str | None = Query(default=None, max_length=64),
) -> IncomeGrowthReport:
    return IncomeGrowthReport(**await reports.growth(services, actor, state_code, group_id))

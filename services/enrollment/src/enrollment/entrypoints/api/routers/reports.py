from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from enrollment.entrypoints.api.deps import ReportReader, ServicesDep
from enrollment.entrypoints.api.responses import READ
from enrollment.entrypoints.api.schemas.reports import (
    IncomeGrowthByPeriod,
    IncomeGrowthReport,
    MonthIncomeGrowth,
    ParticipationReport,
    StateIncomeGrowth,
)
from enrollment.service_layer import reports
from megp_common.month_ends import MONTH_PATTERN

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
    description="Every closed period that starts by today on the platform's clock.",
)
async def income_growth(
    services: ServicesDep,
    actor: ReportReader,
    state_code: str | None = StateQuery,
    group_id: str | None = Query(default=None, max_length=64),
) -> IncomeGrowthReport:
    return IncomeGrowthReport(**await reports.growth(services, actor, state_code, group_id))


@router.get(
    "/income-growth/by-period",
    response_model=IncomeGrowthByPeriod,
    responses=READ,
    summary="Members' income against their baseline per closed period, by state [¶65]",
    description="At most 36 months: `from` defaults to eleven months before `to`, `to` to "
    "the last whole month. A period is filed under the month it starts; corrections replace "
    "results, as in `income-growth`, whose figures are these months' sum.",
)
async def income_growth_by_period(
    services: ServicesDep,
    actor: ReportReader,
    since: Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN)] = None,
    until: Annotated[str | None, Query(alias="to", pattern=MONTH_PATTERN)] = None,
    state_code: str | None = StateQuery,
) -> IncomeGrowthByPeriod:
    found = await reports.growth_by_period(services, actor, since, until, state_code)
    return IncomeGrowthByPeriod(
        months=[
            MonthIncomeGrowth(
                month=m.month,
                states=[
                    StateIncomeGrowth(state_code=s, **reports.figures(g))
                    for s, g in m.states.items()
                ],
                total=IncomeGrowthReport(**reports.figures(m.total)),
            )
            for m in found
        ]
    )

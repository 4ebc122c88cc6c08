"""The funds' totals by state over time: one row per state at each month's end."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from funds.entrypoints.api.deps import ServicesDep
from funds.entrypoints.api.errors import READ
from funds.entrypoints.api.schemas.history import FundHistory, MonthSummary
from funds.service_layer import month_ends
from megp_common.auth import Principal, Role
from megp_common.auth.fastapi import require_roles
from megp_common.month_ends import MONTH_PATTERN

router = APIRouter(tags=["reports"], responses=READ)
Supervisor = Annotated[Principal, Depends(require_roles(Role.PROGRAMME_SUPERVISOR))]


@router.get(
    "/fund-summaries/by-state/history",
    response_model=FundHistory,
    summary="The funds' totals by state at each month's end (both sub-funds, trust cash)",
    description="At most 36 months: `from` defaults to eleven months before `to`, `to` to "
    "the last whole month. A month appears once it has ended and the service wrote it.",
)
async def by_state_history(
    services: ServicesDep,
    who: Supervisor,
    since: Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN)] = None,
    until: Annotated[str | None, Query(alias="to", pattern=MONTH_PATTERN)] = None,
    state: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
) -> FundHistory:
    found = await month_ends.history(services, who, since, until, state)
    return FundHistory(months=[MonthSummary.of(m) for m in found])

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from credit.entrypoints.api.deps import PortfolioReader, ServicesDep
from credit.entrypoints.api.errors import READ
from credit.entrypoints.api.schemas.portfolio import (
    PortfolioHistory,
    PortfolioMonthRow,
    PortfolioRow,
)
from credit.service_layer import month_ends, queries
from megp_common.auth import BankAccess, Principal, Role, open_to_banks
from megp_common.auth.fastapi import require_roles
from megp_common.month_ends import MONTH_PATTERN

router = APIRouter(tags=["portfolio"])


@router.get(
    "/portfolio",
    response_model=list[PortfolioRow],
    responses=READ,
    summary="Outstanding principal, delinquency buckets and PAR30 (a partner bank: of the "
    "loans it lends)",
    openapi_extra=open_to_banks(BankAccess.LENDER),
)
async def portfolio(
    services: ServicesDep,
    who: PortfolioReader,
    by: Literal["group", "state", "lender"] = "state",
) -> list[PortfolioRow]:
    return [PortfolioRow.of(row) for row in await queries.portfolio(services, who, by)]


Supervisor = Annotated[Principal, Depends(require_roles(Role.PROGRAMME_SUPERVISOR))]


@router.get(
    "/portfolio/history",
    response_model=PortfolioHistory,
    responses=READ,
    summary="Outstanding principal, delinquency buckets and PAR30 by state at each month's end",
    description="At most 36 months: `from` defaults to eleven months before `to`, `to` to "
    "the last whole month. A month appears once it has ended and the service wrote it. "
    "Supervisors only: the snapshots are by state, not by lender.",
)
async def portfolio_history(
    services: ServicesDep,
    who: Supervisor,
    since: Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN)] = None,
    until: Annotated[str | None, Query(alias="to", pattern=MONTH_PATTERN)] = None,
    state: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
) -> PortfolioHistory:
    found = await month_ends.history(services, who, since, until, state)
    return PortfolioHistory(months=[PortfolioMonthRow.of(m) for m in found])

"""The portfolio by sector, state or programme [¶102]: counts only."""

from __future__ import annotations

from fastapi import APIRouter

from ip_counsel.entrypoints.api.deps import ServicesDep
from ip_counsel.entrypoints.api.errors import READ
from ip_counsel.entrypoints.api.schemas.licences import PortfolioPublic
from ip_counsel.service_layer import portfolio
from megp_common.auth.fastapi import CurrentPrincipal

router = APIRouter(prefix="/portfolio", tags=["portfolio"])


@router.get(
    "",
    response_model=PortfolioPublic,
    responses=READ,
    summary="Counts of disclosures, filings, grants, lapses and licences by sector, state or "
    "programme (programme supervisors; counsellors for their disclosures)",
)
async def get_portfolio(
    services: ServicesDep, who: CurrentPrincipal, by: portfolio.By = portfolio.By.SECTOR
) -> PortfolioPublic:
    return PortfolioPublic.of(await portfolio.portfolio(services, who, by))

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from credit.entrypoints.api.deps import PortfolioReader, ServicesDep
from credit.entrypoints.api.errors import READ
from credit.entrypoints.api.schemas.portfolio import PortfolioRow
from credit.service_layer import queries
from megp_common.auth import BankAccess, open_to_banks

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

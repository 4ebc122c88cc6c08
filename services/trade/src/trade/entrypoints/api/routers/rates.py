"""The day's exchange rates: a national supervisor records them; payments in dollars convert
at the rate of their day on the shared clock."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.money import CurrencyCode
from megp_common.web import IdempotencyKey
from trade.entrypoints.api.deps import ServicesDep, keyed
from trade.entrypoints.api.errors import READ, WRITE
from trade.entrypoints.api.schemas.channels import RateCreate, RatePublic
from trade.service_layer import rates

router = APIRouter(prefix="/exchange-rates", tags=["exchange rates"])


@router.post(
    "",
    status_code=201,
    response_model=RatePublic,
    responses=WRITE,
    summary="A national programme supervisor records a day's rate (once: another rate for "
    "the same day is a 409)",
)
async def record(
    body: RateCreate, services: ServicesDep, who: CurrentPrincipal, key: IdempotencyKey
) -> JSONResponse:
    async def run(_: str) -> tuple[int, RatePublic]:
        return 201, RatePublic.of(await rates.record(services, who, body.command()))

    return await keyed(services, who, "exchange-rates", key, body, run)


@router.get(
    "/{currency}/{rate_date}",
    response_model=RatePublic,
    responses=READ,
    summary="The rate recorded for a currency and day (404 when none is)",
)
async def get_rate(
    currency: Annotated[CurrencyCode, Path()],
    rate_date: Annotated[date, Path()],
    services: ServicesDep,
    who: CurrentPrincipal,
) -> RatePublic:
    return RatePublic.of(await rates.rate(services, currency, rate_date))

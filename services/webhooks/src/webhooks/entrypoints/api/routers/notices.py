"""What the service told a bank about its subscriptions (a subscription disabled)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from megp_common.auth import BankAccess, DonorAccess, open_to_banks, open_to_donors
from webhooks.entrypoints.api.deps import Reader, ServicesDep
from webhooks.entrypoints.api.errors import READ
from webhooks.entrypoints.api.schemas.subscriptions import NoticePublic
from webhooks.service_layer import queries

router = APIRouter(prefix="/notices", tags=["notices"])


@router.get(
    "",
    response_model=list[NoticePublic],
    responses=READ,
    summary="The bank's notices, oldest first (every bank's, for a national supervisor)",
    openapi_extra=open_to_banks(BankAccess.OWN) | open_to_donors(DonorAccess.ASSOCIATION),
)
async def list_notices(
    services: ServicesDep, who: Reader, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[NoticePublic]:
    return [NoticePublic.of(n) for n in await queries.notices(services, who, limit)]

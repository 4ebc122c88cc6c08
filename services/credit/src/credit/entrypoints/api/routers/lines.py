from __future__ import annotations

from fastapi import APIRouter

from credit.entrypoints.api.deps import ServicesDep
from credit.entrypoints.api.errors import READ
from credit.entrypoints.api.schemas.lines import LinePublic
from credit.service_layer import queries
from megp_common.auth import BankAccess, open_to_banks
from megp_common.auth.fastapi import CurrentPrincipal

router = APIRouter(tags=["credit lines"])


@router.get(
    "/lines/{group_id}",
    response_model=LinePublic,
    responses=READ,
    summary="A group's credit line, its reviews and what is available on it",
    openapi_extra=open_to_banks(BankAccess.LENDER),
)
async def get_line(group_id: str, services: ServicesDep, who: CurrentPrincipal) -> LinePublic:
    line, available = await queries.line(services, who, group_id)
    return LinePublic.of(line, available)

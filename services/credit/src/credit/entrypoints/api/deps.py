"""Dependencies of credit's routes: the use cases' container and who may call each route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from credit.service_layer.container import Services
from megp_common.auth import Principal, Role
from megp_common.auth.fastapi import require_roles
from megp_common.web import JsonAnswer, Once, answer_keyed, app_state

_services = app_state("container", Services)


ServicesDep = Annotated[Services, Depends(_services)]
Applicant = Annotated[Principal, Depends(require_roles(Role.ODF_STAFF, Role.PARTICIPANT))]
BoardRepresentative = Annotated[Principal, Depends(require_roles(Role.BOARD_REPRESENTATIVE))]
Lender = Annotated[Principal, Depends(require_roles(Role.PARTNER_BANK))]
BoardOrLender = Annotated[
    Principal, Depends(require_roles(Role.BOARD_REPRESENTATIVE, Role.PARTNER_BANK))
]
Payer = Annotated[Principal, Depends(require_roles(Role.PARTICIPANT, Role.ODF_STAFF))]
OdfStaff = Annotated[Principal, Depends(require_roles(Role.ODF_STAFF))]
Member = Annotated[Principal, Depends(require_roles(Role.PARTICIPANT))]
PortfolioReader = Annotated[
    Principal, Depends(require_roles(Role.PROGRAMME_SUPERVISOR, Role.PARTNER_BANK))
]


async def keyed(
    services: Services,
    who: Principal,
    scope: str,
    key: str,
    payload: Any,
    operation: Callable[[str], Awaitable[tuple[int, BaseModel]]],
) -> JSONResponse:
    """Run `operation(new_id)` once per (route, caller, Idempotency-Key); a retry replays the
    stored answer, another caller's same key never sees it."""
    once = Once(f"credit.{scope}", who.subject, key)
    status, body = await answer_keyed(services.idempotency, once, payload, operation)
    return JsonAnswer(body, status_code=status)

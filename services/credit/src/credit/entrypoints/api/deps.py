"""Dependencies of credit's routes: the use cases' container and who may call each route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from credit.service_layer.container import Services
from megp_common.auth import Principal, Role
from megp_common.auth.fastapi import require_roles
from megp_common.mongo import ConcurrencyConflict
from megp_common.retry import retry_on_conflict
from megp_common.web import Once, answer_once


def _services(request: Request) -> Services:
    services: Services = request.app.state.container
    return services


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


async def answer_keyed(
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

    async def run() -> tuple[int, Any]:
        # a write that lost a race with another (an event handler, the scheduler) runs again
        # from a fresh read: each use case loads, checks and saves, so a rerun is safe
        status, body = await retry_on_conflict(
            lambda: operation(once.new_id()), ConcurrencyConflict
        )
        return status, jsonable_encoder(body)

    status, body = await answer_once(services.idempotency, once, jsonable_encoder(payload), run)
    return JSONResponse(body, status_code=status)

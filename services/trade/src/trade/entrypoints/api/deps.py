"""Dependencies of trade's routes: the use cases' container and who may call each route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from megp_common.auth import Principal, Role
from megp_common.auth.fastapi import require_roles
from megp_common.mongo import ConcurrencyConflict
from megp_common.retry import retry_on_conflict
from megp_common.web import Once, answer_once
from trade.service_layer.container import Services


def _services(request: Request) -> Services:
    services: Services = request.app.state.container
    return services


ServicesDep = Annotated[Services, Depends(_services)]
OdfStaff = Annotated[Principal, Depends(require_roles(Role.ODF_STAFF))]


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
    once = Once(f"trade.{scope}", who.subject, key)

    async def run() -> tuple[int, Any]:
        status, body = await retry_on_conflict(
            lambda: operation(once.new_id()), ConcurrencyConflict
        )
        return status, jsonable_encoder(body)

    status, body = await answer_once(services.idempotency, once, jsonable_encoder(payload), run)
    return JSONResponse(body, status_code=status)

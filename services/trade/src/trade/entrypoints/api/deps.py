"""Dependencies of trade's routes: the use cases' container and who may call each route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from megp_common.auth import Principal, Role
from megp_common.auth.fastapi import require_roles
from megp_common.web import Once, answer_keyed
from trade.service_layer.container import Services


def _services(request: Request) -> Services:
    services: Services = request.app.state.container
    return services


ServicesDep = Annotated[Services, Depends(_services)]
OdfStaff = Annotated[Principal, Depends(require_roles(Role.ODF_STAFF))]


async def keyed(
    services: Services,
    who: Principal,
    scope: str,
    key: str,
    payload: Any,
    operation: Callable[[str], Awaitable[tuple[int, BaseModel | Sequence[BaseModel]]]],
) -> JSONResponse:
    """Run `operation(new_id)` once per (route, caller, Idempotency-Key); a retry replays the
    stored answer, another caller's same key never sees it."""
    once = Once(f"trade.{scope}", who.subject, key)
    status, body = await answer_keyed(services.idempotency, once, payload, operation)
    return JSONResponse(body, status_code=status)

"""Building responses: ETag headers, Location, and Idempotency-Key replay."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from enrollment.domain.actor import Actor
from enrollment.entrypoints.api.errors import READ, UPDATE, WRITE
from enrollment.service_layer.container import Services
from megp_common.ids import deterministic_id, new_id
from megp_common.web import check_idempotency_key, etag_for, run_idempotent

__all__ = ["READ", "UPDATE", "WRITE", "idempotent", "new_resource_id", "respond", "scope_of"]


def respond(
    body: BaseModel | dict[str, Any], status: int = 200, location: str | None = None
) -> JSONResponse:
    """The body, with its ETag when it carries a version."""
    content = jsonable_encoder(body)
    headers = {}
    if isinstance(content, dict) and isinstance(content.get("version"), int):
        headers["ETag"] = etag_for(content["version"])
    if location:
        headers["Location"] = location
    return JSONResponse(content, status_code=status, headers=headers)


def new_resource_id(scope: str, key: str | None) -> str:
    """From the Idempotency-Key when there is one, so a re-run after a crash finds the first."""
    checked = check_idempotency_key(key, required=False)
    return deterministic_id(scope, checked) if checked else new_id()


def scope_of(name: str, actor: Actor) -> str:
    return f"enrollment.{name}:{actor.subject}"


async def idempotent(
    services: Services,
    actor: Actor,
    name: str,
    key: str | None,
    payload: Any,
    operation: Callable[[str], Awaitable[tuple[int, BaseModel]]],
    *,
    required: bool = False,
    location: Callable[[dict[str, Any]], str] | None = None,
) -> JSONResponse:
    """Run `operation(new_id)` once per Idempotency-Key and caller; replay its response."""
    scope = scope_of(name, actor)
    resource_id = new_resource_id(scope, key)

    async def run() -> tuple[int, Any]:
        status, body = await operation(resource_id)
        return status, jsonable_encoder(body)

    status, body = await run_idempotent(
        services.idempotency, scope, key, jsonable_encoder(payload), run, required=required
    )
    return respond(body, status, location(body) if location and status == 201 else None)

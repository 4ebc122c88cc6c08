"""Building responses: ETag headers, Location, and Idempotency-Key replay."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from enrollment.domain.actor import Actor
from enrollment.entrypoints.api.errors import READ, UPDATE, WRITE
from enrollment.service_layer.container import Services
from megp_common.web import JsonAnswer, Once, answer_once, as_json, etag_for

__all__ = ["READ", "UPDATE", "WRITE", "idempotent", "respond"]


def respond(
    body: BaseModel | dict[str, Any], status: int = 200, location: str | None = None
) -> JSONResponse:
    """The body, with its ETag when it carries a version."""
    content = as_json(body)
    headers = {}
    if isinstance(content, dict) and isinstance(content.get("version"), int):
        headers["ETag"] = etag_for(content["version"])
    if location:
        headers["Location"] = location
    return JsonAnswer(content, status_code=status, headers=headers)


async def idempotent(
    services: Services,
    actor: Actor,
    name: str,
    key: str,
    payload: Any,
    operation: Callable[[str], Awaitable[tuple[int, BaseModel]]],
    *,
    location: Callable[[dict[str, Any]], str] | None = None,
) -> JSONResponse:
    """Run `operation(new_id)` once per Idempotency-Key and caller; replay its response."""
    once = Once(f"enrollment.{name}", actor.subject, key)

    async def run() -> tuple[int, Any]:
        status, body = await operation(once.new_id())
        return status, as_json(body)

    status, body = await answer_once(services.idempotency, once, as_json(payload), run)
    return respond(body, status, location(body) if location and status == 201 else None)

"""Dependencies of trade's routes: the use cases' container and who may call each route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from megp_common.answers import Answering
from megp_common.auth import Principal, Role
from megp_common.auth.fastapi import require_roles
from megp_common.web import JsonAnswer, Once, answer_in_commit, answer_keyed, app_state
from trade.adapters.repositories import ORDER_READING, OrderReading
from trade.domain.order import Order
from trade.service_layer.container import Services

_services = app_state("container", Services)


ServicesDep = Annotated[Services, Depends(_services)]
OdfStaff = Annotated[Principal, Depends(require_roles(Role.ODF_STAFF))]


def once_of(who: Principal, scope: str, key: str) -> Once:
    """The keyed request of `who` on trade's route `scope`."""
    return Once(f"trade.{scope}", who.subject, key)


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
    once = once_of(who, scope, key)
    status, body = await answer_keyed(services.idempotency, once, payload, operation)
    return JsonAnswer(body, status_code=status)


async def keyed_order(
    services: Services,
    who: Principal,
    scope: str,
    key: str,
    payload: Any,
    status: int,
    render: Callable[[Order], BaseModel],
    operation: Callable[[str, Answering[Order]], Awaitable[object]],
    *,
    heal: Callable[[Order], Awaitable[None]] | None = None,
) -> JSONResponse:
    """`keyed` for a request that commits one order: its answer (`status`, `render(order)`) is
    kept in the order's document by the same commit (megp_common.answers), so the request
    reads and writes no idempotency record; `heal` redoes on a replay what follows the commit.

    The order is the copy its previous request held, when this process holds one
    (`OrderRepository`): a stale copy's commit fails and is retried from the store; anything
    else that goes wrong on a held copy (a refusal it may owe to being stale) runs the request
    once more from the store, whose outcome is the answer."""
    once = once_of(who, scope, key)
    reading = OrderReading()
    token = ORDER_READING.set(reading)
    try:
        try:
            status, body = await answer_in_commit(
                once, payload, status, render, operation, heal=heal
            )
        except Exception:
            if not reading.served:
                raise
            reading.fresh = True
            status, body = await answer_in_commit(
                once, payload, status, render, operation, heal=heal
            )
    finally:
        ORDER_READING.reset(token)
    return JsonAnswer(body, status_code=status)

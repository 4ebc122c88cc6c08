"""After payment: the line's ODF ships it (in parts) or settles it short; the buyer asks to
return shipped units and the ODF accepts or refuses [¶55]."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import IdempotencyKey
from trade.domain.commands import DecideReturn, FulfilLine, RequestReturn, ShortenLine
from trade.domain.returns import find_return
from trade.entrypoints.api.deps import OdfStaff, ServicesDep, keyed
from trade.entrypoints.api.errors import WRITE
from trade.entrypoints.api.schemas.fulfilment import (
    LineFulfilment,
    LineShortening,
    ReturnCreate,
    ReturnDecision,
    ReturnPublic,
)
from trade.entrypoints.api.schemas.orders import OrderPublic
from trade.service_layer import fulfilment

router = APIRouter(prefix="/orders", tags=["fulfilment"])
OrderId = Annotated[str, Path(min_length=1, max_length=100)]
LineNumber = Annotated[int, Path(ge=1, le=50)]
ReturnId = Annotated[str, Path(min_length=1, max_length=100)]


@router.post(
    "/{order_id}/lines/{number}/fulfilment",
    response_model=OrderPublic,
    responses=WRITE,
    summary="The producer's ODF ships units of a line of a paid order (all still open by default)",
)
async def fulfil(
    order_id: OrderId,
    number: LineNumber,
    services: ServicesDep,
    who: OdfStaff,
    key: IdempotencyKey,
    body: LineFulfilment | None = None,
) -> JSONResponse:
    quantity = body.quantity if body else None

    async def run(shipment_id: str) -> tuple[int, OrderPublic]:
        command = FulfilLine(order_id, number, quantity, shipment_id)
        return 200, OrderPublic.of(await fulfilment.fulfil(services, who, command))

    payload = body.model_dump() if body else {}
    return await keyed(services, who, f"fulfil:{order_id}:{number}", key, payload, run)


@router.post(
    "/{order_id}/lines/{number}/shortening",
    response_model=OrderPublic,
    responses=WRITE,
    summary="Settle a line short: its unshipped units are given up and the buyer refunded",
)
async def shorten(
    order_id: OrderId,
    number: LineNumber,
    body: LineShortening,
    services: ServicesDep,
    who: OdfStaff,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, OrderPublic]:
        command = ShortenLine(order_id, number, body.reason)
        return 200, OrderPublic.of(await fulfilment.shorten(services, who, command))

    return await keyed(services, who, f"shorten:{order_id}:{number}", key, body, run)


@router.post(
    "/{order_id}/lines/{number}/returns",
    status_code=201,
    response_model=ReturnPublic,
    responses=WRITE,
    summary="The buyer asks to return shipped units of a line within RETURN_DAYS of shipment",
)
async def ask_return(
    order_id: OrderId,
    number: LineNumber,
    body: ReturnCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(return_id: str) -> tuple[int, ReturnPublic]:
        command = RequestReturn(order_id, number, body.quantity, body.reason)
        order = await fulfilment.ask_return(services, who, command, return_id)
        return 201, ReturnPublic.of(order.id, find_return(order, return_id))

    return await keyed(services, who, f"return:{order_id}:{number}", key, body, run)


@router.post(
    "/{order_id}/returns/{return_id}/decision",
    response_model=ReturnPublic,
    responses=WRITE,
    summary="The line's ODF accepts a return (refund; restock if asked) or refuses it [¶55]",
)
async def decide(
    order_id: OrderId,
    return_id: ReturnId,
    body: ReturnDecision,
    services: ServicesDep,
    who: OdfStaff,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, ReturnPublic]:
        accept = body.decision == "accept"
        command = DecideReturn(order_id, return_id, accept, body.restock, body.reason)
        order = await fulfilment.decide(services, who, command)
        return 200, ReturnPublic.of(order.id, find_return(order, return_id))

    return await keyed(services, who, f"decide:{return_id}", key, body, run)

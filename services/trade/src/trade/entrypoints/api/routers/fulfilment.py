"""After payment: the line's ODF ships it (in parts) or settles it short; the buyer asks to
return shipped units and the ODF accepts or refuses [¶55]."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from megp_common.answers import Answering
from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import IdempotencyKey
from trade.domain.commands import (
    DecideReturn,
    FulfilLine,
    FulfilOrder,
    RequestReturn,
    ShortenLine,
)
from trade.domain.order import Order
from trade.domain.returns import find_return
from trade.entrypoints.api.deps import OdfStaff, ServicesDep, keyed_order, once_of
from trade.entrypoints.api.errors import WRITE
from trade.entrypoints.api.schemas.fulfilment import (
    LineFulfilment,
    LineShortening,
    OrderFulfilment,
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
    "/{order_id}/fulfilment",
    response_model=OrderPublic,
    responses=WRITE,
    summary="The ODF ships every unit still open of its lines of a paid order, in one request",
    description="The lines of other ODFs' groups, and lines settled already, are left as they "
    "are; 403 when no line of the order is the caller's ODF's to ship. A retry with the same "
    "Idempotency-Key replays the answer and ships nothing more.",
)
async def fulfil_order(
    order_id: OrderId,
    services: ServicesDep,
    who: OdfStaff,
    key: IdempotencyKey,
    body: OrderFulfilment | None = None,
) -> JSONResponse:
    group_id = body.group_id if body else None

    async def run(shipment_id: str, answer: Answering[Order]) -> None:
        command = FulfilOrder(order_id, shipment_id, group_id)
        await fulfilment.fulfil_order(services, who, command, answer)

    payload = body.model_dump() if body else {}
    scope = f"fulfil-order:{order_id}"
    return await keyed_order(services, who, scope, key, payload, 200, OrderPublic.of, run)


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

    async def run(shipment_id: str, answer: Answering[Order]) -> None:
        command = FulfilLine(order_id, number, quantity, shipment_id)
        await fulfilment.fulfil(services, who, command, answer)

    payload = body.model_dump() if body else {}
    scope = f"fulfil:{order_id}:{number}"
    return await keyed_order(services, who, scope, key, payload, 200, OrderPublic.of, run)


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
    async def run(_: str, answer: Answering[Order]) -> None:
        command = ShortenLine(order_id, number, body.reason)
        await fulfilment.shorten(services, who, command, answer)

    async def heal(order: Order) -> None:
        await fulfilment.after_shortening(services, order, number)

    scope = f"shorten:{order_id}:{number}"
    return await keyed_order(services, who, scope, key, body, 200, OrderPublic.of, run, heal=heal)


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
    async def run(return_id: str, answer: Answering[Order]) -> None:
        command = RequestReturn(order_id, number, body.quantity, body.reason)
        await fulfilment.ask_return(services, who, command, return_id, answer)

    scope = f"return:{order_id}:{number}"
    return_id = once_of(who, scope, key).new_id()  # what `run` is given

    def render(order: Order) -> ReturnPublic:
        return ReturnPublic.of(order.id, find_return(order, return_id))

    return await keyed_order(services, who, scope, key, body, 201, render, run)


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
    async def run(_: str, answer: Answering[Order]) -> None:
        accept = body.decision == "accept"
        command = DecideReturn(order_id, return_id, accept, body.restock, body.reason)
        await fulfilment.decide(services, who, command, answer)

    def render(order: Order) -> ReturnPublic:
        return ReturnPublic.of(order.id, find_return(order, return_id))

    async def heal(order: Order) -> None:
        await fulfilment.after_decision(services, order, return_id)

    scope = f"decide:{return_id}"
    return await keyed_order(services, who, scope, key, body, 200, render, run, heal=heal)

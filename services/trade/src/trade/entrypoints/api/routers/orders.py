"""Orders across producers: placed with every line reserved, paid, cancelled (fulfilment and
returns: `fulfilment.py`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from megp_common.answers import Answering
from megp_common.auth import DonorAccess, open_to_donors
from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.errors import problem_responses
from megp_common.web import IdempotencyKey
from trade.domain.commands import CancelOrder, PayOrder
from trade.domain.order import Order
from trade.entrypoints.api.deps import ServicesDep, keyed_order
from trade.entrypoints.api.errors import READ, WRITE
from trade.entrypoints.api.schemas.orders import (
    OrderCancellation,
    OrderCreate,
    OrderPayment,
    OrderPublic,
)
from trade.service_layer import orders, queries

router = APIRouter(prefix="/orders", tags=["orders"])
#: a donor portal orders through its association's channel only (`channels.admit`) [¶53]
CHANNEL = open_to_donors(DonorAccess.CHANNEL)
OrderId = Annotated[str, Path(min_length=1, max_length=100)]


@router.post(
    "",
    status_code=201,
    response_model=OrderPublic,
    responses=WRITE | problem_responses((409,)),
    summary="Place an order: every line's stock is reserved, or none is (409 says what is left)",
    openapi_extra=CHANNEL,
)
async def place(
    body: OrderCreate, services: ServicesDep, who: CurrentPrincipal, key: IdempotencyKey
) -> JSONResponse:
    async def run(order_id: str, answer: Answering[Order]) -> None:
        await orders.place(services, who, body.command(), order_id, answer)

    return await keyed_order(services, who, "orders", key, body, 201, OrderPublic.of, run)


@router.get(
    "/{order_id}",
    response_model=OrderPublic,
    responses=READ,
    summary="An order, for its buyer",
    openapi_extra=CHANNEL,
)
async def get_order(order_id: OrderId, services: ServicesDep, who: CurrentPrincipal) -> OrderPublic:
    return OrderPublic.of(await queries.order(services, who, order_id))


@router.post(
    "/{order_id}/payment",
    response_model=OrderPublic,
    responses=WRITE,
    summary="The buyer pays the order's exact total before its reservation runs out",
    openapi_extra=CHANNEL,
)
async def pay(
    order_id: OrderId,
    body: OrderPayment,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str, answer: Answering[Order]) -> None:
        await orders.pay(services, who, PayOrder(order_id, body.amount), answer)

    async def heal(order: Order) -> None:
        await orders.settle(services, order)

    scope = f"payment:{order_id}"
    return await keyed_order(services, who, scope, key, body, 200, OrderPublic.of, run, heal=heal)


@router.post(
    "/{order_id}/cancellation",
    response_model=OrderPublic,
    responses=WRITE,
    summary="The buyer cancels an unpaid order: every line's units are released",
    openapi_extra=CHANNEL,
)
async def cancel(
    order_id: OrderId,
    body: OrderCancellation,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str, answer: Answering[Order]) -> None:
        await orders.cancel(services, who, CancelOrder(order_id, body.reason), answer)

    async def heal(order: Order) -> None:
        await orders.settle(services, order)

    scope = f"cancel:{order_id}"
    return await keyed_order(services, who, scope, key, body, 200, OrderPublic.of, run, heal=heal)

"""Purchase orders [¶54-¶55, ¶96]: a chain or a Support Committee buyer submits one to a group's
ODF, which accepts (an order then holds the stock) or declines it; the buyer may withdraw it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import DEFAULT_PAGE_SIZE, CursorQuery, IdempotencyKey, LimitQuery, Page
from trade.domain.commands import DecidePurchaseOrder
from trade.domain.purchase_order import PurchaseOrderStatus
from trade.entrypoints.api.deps import ServicesDep, keyed
from trade.entrypoints.api.errors import READ, WRITE
from trade.entrypoints.api.schemas.purchase_orders import (
    PurchaseOrderCreate,
    PurchaseOrderPublic,
    PurchaseOrderReason,
)
from trade.service_layer import purchase_orders

router = APIRouter(prefix="/purchase-orders", tags=["purchase orders"])
PurchaseOrderId = Annotated[str, Path(min_length=1, max_length=100)]


@router.post(
    "",
    status_code=201,
    response_model=PurchaseOrderPublic,
    responses=WRITE,
    summary="A chain [¶96] or a Support Committee buyer [¶54] sends a group's ODF a purchase order",
)
async def submit(
    body: PurchaseOrderCreate, services: ServicesDep, who: CurrentPrincipal, key: IdempotencyKey
) -> JSONResponse:
    async def run(po_id: str) -> tuple[int, PurchaseOrderPublic]:
        po = await purchase_orders.submit(services, who, body.command(), po_id)
        return 201, PurchaseOrderPublic.of(po)

    return await keyed(services, who, "purchase-orders", key, body, run)


@router.get(
    "",
    response_model=Page[PurchaseOrderPublic],
    responses=READ,
    summary="A group's purchase orders (a buyer sees its own), by status",
)
async def list_purchase_orders(
    services: ServicesDep,
    who: CurrentPrincipal,
    group_id: Annotated[str, Query(min_length=1, max_length=100)],
    status: PurchaseOrderStatus | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[PurchaseOrderPublic]:
    found, next_cursor = await purchase_orders.of_group(
        services, who, group_id, status=status, cursor=cursor, limit=limit
    )
    return Page(items=[PurchaseOrderPublic.of(po) for po in found], next_cursor=next_cursor)


@router.get(
    "/{purchase_order_id}",
    response_model=PurchaseOrderPublic,
    responses=READ,
    summary="A purchase order, for its buyer and the staff and supervisors of its state",
)
async def get_purchase_order(
    purchase_order_id: PurchaseOrderId, services: ServicesDep, who: CurrentPrincipal
) -> PurchaseOrderPublic:
    return PurchaseOrderPublic.of(
        await purchase_orders.purchase_order(services, who, purchase_order_id)
    )


@router.post(
    "/{purchase_order_id}/acceptance",
    response_model=PurchaseOrderPublic,
    responses=WRITE,
    summary="The group's ODF accepts: an order holds every line's stock for days (409 if short)",
)
async def accept(
    purchase_order_id: PurchaseOrderId,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, PurchaseOrderPublic]:
        po = await purchase_orders.accept(services, who, purchase_order_id)
        return 200, PurchaseOrderPublic.of(po)

    return await keyed(services, who, f"po-accept:{purchase_order_id}", key, {}, run)


@router.post(
    "/{purchase_order_id}/decline",
    response_model=PurchaseOrderPublic,
    responses=WRITE,
    summary="The group's ODF declines the purchase order, saying why [¶55]",
)
async def decline(
    purchase_order_id: PurchaseOrderId,
    body: PurchaseOrderReason,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, PurchaseOrderPublic]:
        command = DecidePurchaseOrder(purchase_order_id, body.reason)
        return 200, PurchaseOrderPublic.of(await purchase_orders.decline(services, who, command))

    return await keyed(services, who, f"po-decline:{purchase_order_id}", key, body, run)


@router.post(
    "/{purchase_order_id}/withdrawal",
    response_model=PurchaseOrderPublic,
    responses=WRITE,
    summary="The buyer withdraws the purchase order before the ODF decided",
)
async def withdraw(
    purchase_order_id: PurchaseOrderId,
    body: PurchaseOrderReason,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, PurchaseOrderPublic]:
        command = DecidePurchaseOrder(purchase_order_id, body.reason)
        return 200, PurchaseOrderPublic.of(await purchase_orders.withdraw(services, who, command))

    return await keyed(services, who, f"po-withdraw:{purchase_order_id}", key, body, run)

"""A seller group's side of orders: the customers' paid orders holding its products, for its
ODF staff to ship (`fulfilment.py`'s routes) and its supervisors to follow."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path

from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import DEFAULT_PAGE_SIZE, CursorQuery, LimitQuery, Page
from trade.domain.order import OrderStatus
from trade.entrypoints.api.deps import ServicesDep
from trade.entrypoints.api.errors import READ
from trade.entrypoints.api.schemas.orders import OrderPublic
from trade.service_layer import fulfilment

router = APIRouter(prefix="/groups", tags=["fulfilment"])
GroupId = Annotated[str, Path(min_length=1, max_length=100)]


@router.get(
    "/{group_id}/orders-to-fulfil",
    response_model=Page[OrderPublic],
    responses=READ,
    summary="Customers' paid orders with the group's products (only its lines), to ship",
    description="`status=paid` (default): still to ship or settle; `status=completed`: every "
    "line settled. For the group's ODF staff, acting for it alone, and the programme "
    "supervisors of its state; anyone else is a 403.",
)
async def orders_to_fulfil(
    group_id: GroupId,
    services: ServicesDep,
    who: CurrentPrincipal,
    status: Literal["paid", "completed"] = "paid",
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[OrderPublic]:
    found, next_cursor = await fulfilment.orders_to_fulfil(
        services, who, group_id, status=OrderStatus(status), cursor=cursor, limit=limit
    )
    return Page(items=[OrderPublic.of(order) for order in found], next_cursor=next_cursor)

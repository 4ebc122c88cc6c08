"""Every route of the trade service, under /v1 (added here, and only here)."""

from __future__ import annotations

from fastapi import APIRouter

from trade.entrypoints.api.routers import (
    channels,
    fulfilment,
    orders,
    orders_to_fulfil,
    product_sheets,
    products,
    purchase_orders,
    rates,
    reports,
    rounds,
)

router = APIRouter(prefix="/v1")
for module in (
    products,
    product_sheets,
    orders,
    fulfilment,
    orders_to_fulfil,
    rounds,
    purchase_orders,
    reports,
    channels,
    rates,
):
    router.include_router(module.router)

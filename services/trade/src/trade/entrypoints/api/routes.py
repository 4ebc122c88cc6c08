"""Every route of the trade service, under /v1 (added here, and only here)."""

from __future__ import annotations

from fastapi import APIRouter

from trade.entrypoints.api.routers import (
    fulfilment,
    orders,
    products,
    purchase_orders,
    reports,
    rounds,
)

router = APIRouter(prefix="/v1")
for module in (products, orders, fulfilment, rounds, purchase_orders, reports):
    router.include_router(module.router)

"""Every route of the trade service, under /v1 (added here, and only here)."""

from __future__ import annotations

from fastapi import APIRouter

from trade.entrypoints.api.routers import channels, orders, products, rates, rounds

router = APIRouter(prefix="/v1")
for module in (products, orders, rounds, channels, rates):
    router.include_router(module.router)

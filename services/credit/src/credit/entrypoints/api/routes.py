"""Every route of the credit service, under /v1 (added here, and only here)."""

from __future__ import annotations

from fastapi import APIRouter

from credit.entrypoints.api.routers import financing, leases, lenders, lines, loans, portfolio

router = APIRouter(prefix="/v1")
for module in (lines, loans, leases, portfolio, financing, lenders):
    router.include_router(module.router)

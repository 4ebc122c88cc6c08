"""Every route of the funds service, under /v1 (added here, and only here)."""

from __future__ import annotations

from fastapi import APIRouter

from funds.entrypoints.api.routers import (
    bank_deposits,
    corrections,
    history,
    money,
    reads,
    spending,
    statements,
)

router = APIRouter(prefix="/v1")
for module in (money, corrections, history, reads, spending, statements, bank_deposits):
    router.include_router(module.router)

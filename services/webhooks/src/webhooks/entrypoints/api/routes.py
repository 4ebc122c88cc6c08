"""Every route of the webhooks service, under /v1 (added here, and only here)."""

from __future__ import annotations

from fastapi import APIRouter

from webhooks.entrypoints.api.routers import notices, subscriptions

router = APIRouter(prefix="/v1")
router.include_router(subscriptions.router)
router.include_router(notices.router)

"""Every route of the donors service, under /v1 (added here, and only here)."""

from __future__ import annotations

from fastapi import APIRouter

from donors.entrypoints.api.routers import associations, donations, programmes, projects

router = APIRouter(prefix="/v1")
router.include_router(associations.router)
router.include_router(projects.router)
router.include_router(donations.router)
router.include_router(programmes.router)

"""All of the service's routes under /v1."""

from fastapi import APIRouter

from enrollment.entrypoints.api.routers import (
    board,
    committees,
    groups,
    participants,
    periods,
    plans,
    projects,
    reports,
)

router = APIRouter(prefix="/v1")
for module in (participants, projects, groups, board, committees, plans, periods, reports):
    router.include_router(module.router)

"""Composition root of the enrollment service."""

from fastapi import FastAPI

from enrollment.config import Settings
from enrollment.entrypoints.api.routes import router
from megp_common.app import Runtime, Wiring
from megp_common.app import create_app as build

DESCRIPTION = (
    "Participants, project groups, development organizations, "
    "boards, committees and business plans."
)


async def wire(runtime: Runtime) -> Wiring:
    return Wiring()


def create_app() -> FastAPI:
    return build(
        title="enrollment",
        settings_factory=Settings,
        wire=wire,
        routers=[router],
        description=DESCRIPTION,
    )

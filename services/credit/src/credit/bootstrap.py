"""Composition root of the credit service."""

from fastapi import FastAPI

from credit.config import Settings
from credit.entrypoints.api.routes import router
from megp_common.app import Runtime, Wiring
from megp_common.app import create_app as build

DESCRIPTION = "Revolving credit lines, loans with exact schedules, delinquency, and leasing."


async def wire(runtime: Runtime) -> Wiring:
    return Wiring()


def create_app() -> FastAPI:
    return build(
        title="credit",
        settings_factory=Settings,
        wire=wire,
        routers=[router],
        description=DESCRIPTION,
    )

"""Composition root of the funds service."""

from fastapi import FastAPI

from funds.config import Settings
from funds.entrypoints.api.routes import router
from megp_common.app import Runtime, Wiring
from megp_common.app import create_app as build

DESCRIPTION = (
    "The Competition and Development Fund of every project group, on a double-entry ledger."
)


async def wire(runtime: Runtime) -> Wiring:
    return Wiring()


def create_app() -> FastAPI:
    return build(
        title="funds",
        settings_factory=Settings,
        wire=wire,
        routers=[router],
        description=DESCRIPTION,
    )

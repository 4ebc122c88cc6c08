"""Composition root of the trade service."""

from fastapi import FastAPI

from megp_common.app import Runtime, Wiring
from megp_common.app import create_app as build
from trade.config import Settings
from trade.entrypoints.api.routes import router

DESCRIPTION = (
    "The fair-trade marketplace: orders across producers, stock reservation, collective purchasing."
)


async def wire(runtime: Runtime[Settings]) -> Wiring[None]:
    return Wiring()


def create_app() -> FastAPI:
    return build(
        title="trade",
        settings_factory=Settings,
        wire=wire,
        routers=[router],
        description=DESCRIPTION,
    )

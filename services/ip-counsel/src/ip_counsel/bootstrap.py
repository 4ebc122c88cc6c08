"""Composition root of the ip-counsel service."""

from fastapi import FastAPI

from ip_counsel.config import Settings
from ip_counsel.entrypoints.api.routes import router
from megp_common.app import Runtime, Wiring
from megp_common.app import create_app as build

DESCRIPTION = (
    "Intellectual property counselling for inventors: disclosures, reviews, filings, licences."
)


async def wire(runtime: Runtime[Settings]) -> Wiring[None]:
    return Wiring()


def create_app() -> FastAPI:
    return build(
        title="ip-counsel",
        settings_factory=Settings,
        wire=wire,
        routers=[router],
        description=DESCRIPTION,
    )

"""Composition root of the enrollment service."""

from fastapi import FastAPI

from enrollment.adapters.repositories import collections_spec
from enrollment.config import Settings
from enrollment.entrypoints.api.routes import router
from enrollment.service_layer import event_handlers
from enrollment.service_layer.container import Services
from megp_common.app import Runtime, Wiring
from megp_common.app import create_app as build

DESCRIPTION = (
    "Participants, project groups, development organizations, boards, committees and business "
    "plans of the Micro-Entrepreneurial Global Programme. Errors are RFC 9457 problem documents; "
    "lists are cursor-paginated; updates take If-Match; requests that state money take an "
    "Idempotency-Key. Events are published on `enrollment.events`; trade's completed sales "
    "(`trade.events`) are counted in their producers' business periods, and royalties "
    "received (`ip-counsel.events`) in their inventors'."
)


async def wire(runtime: Runtime[Settings]) -> Wiring[Services]:
    settings = runtime.settings
    spec = collections_spec()
    services = Services.build(
        runtime.db, runtime.outbox, runtime.clock, settings.terms(), settings.default_period_months
    )
    return Wiring(
        collections=spec,
        outbox_collections=[c for c in spec if c not in ("curps", "rfcs", "idempotency")],
        consumes=["trade.events", "ip-counsel.events"],
        handlers=event_handlers.build(services),
        container=services,
    )


def create_app() -> FastAPI:
    return build(
        title="enrollment",
        settings_factory=Settings,
        wire=wire,
        routers=[router],
        description=DESCRIPTION,
    )

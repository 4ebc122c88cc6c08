"""Composition root of the webhooks service."""

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from megp_common.app import Runtime, Wiring
from megp_common.app import create_app as build
from megp_common.clock import SettableClock
from megp_common.locks import Leases, StoreLocks
from megp_common.mongo import Document
from megp_common.web import IdempotencyStore
from webhooks.adapters.repositories import (
    LEASES,
    LOCKS,
    DeliveryRepository,
    HoldingRepository,
    NoticeRepository,
    SubscriptionRepository,
    collections,
)
from webhooks.adapters.sender import Sender
from webhooks.config import Settings
from webhooks.entrypoints.api.routes import router
from webhooks.service_layer.container import Services
from webhooks.service_layer.delivery import Dispatcher
from webhooks.service_layer.event_handlers import handlers

DESCRIPTION = (
    "Signed deliveries of funds' and credit's events to the partner banks that subscribe "
    "(and of donors' events to the donor portals, for their associations): "
    "only events about the funds a bank holds in trust and the loans it lends, without "
    "members' personal data, following the Standard Webhooks specification."
)


def build_services(
    settings: Settings, clock: SettableClock, db: AsyncDatabase[Document]
) -> Services:
    return Services(
        settings=settings,
        clock=clock,
        subscriptions=SubscriptionRepository(db, StoreLocks(db, LOCKS)),
        holdings=HoldingRepository(db),
        deliveries=DeliveryRepository(db),
        notices=NoticeRepository(db),
        idempotency=IdempotencyStore(db["idempotency"], clock),
    )


async def wire(runtime: Runtime[Settings]) -> Wiring[Services]:
    settings = runtime.settings
    services = build_services(settings, runtime.clock, runtime.db)
    leases = Leases(runtime.db, LEASES, StoreLocks(runtime.db, LOCKS))
    dispatcher = Dispatcher(services, Sender(settings.delivery_timeout_s), leases)
    return Wiring(
        collections=collections(),
        consumes=["funds.events", "credit.events", "donors.events"],
        handlers=handlers(services),
        background=[dispatcher.run],
        container=services,
    )


def create_app() -> FastAPI:
    return build(
        title="webhooks",
        settings_factory=Settings,
        wire=wire,
        routers=[router],
        description=DESCRIPTION,
    )

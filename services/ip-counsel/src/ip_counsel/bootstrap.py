"""Composition root of the ip-counsel service."""

from datetime import datetime

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from ip_counsel.adapters.repositories import (
    ALL,
    PLAIN,
    CommitteeRepository,
    CounsellorRepository,
    DisclosureRepository,
    FilingRepository,
    GroupRepository,
    LicenceRepository,
    ParticipantRepository,
    ReadLog,
)
from ip_counsel.adapters.sealing import Keyring, Sealer
from ip_counsel.config import Settings
from ip_counsel.entrypoints.api.routes import router
from ip_counsel.service_layer.container import Services
from ip_counsel.service_layer.event_handlers import handlers
from ip_counsel.service_layer.scheduler import tick
from megp_common.app import Runtime, Wiring
from megp_common.app import create_app as build
from megp_common.clock import SettableClock
from megp_common.mongo import Document, OutboxWriter
from megp_common.scheduler import clock_driven
from megp_common.web import IdempotencyStore

DESCRIPTION = (
    "Intellectual property counselling for inventors: invention disclosures kept secret "
    "(sealed at rest, readable only by the inventors, their counsellor and the reviewing "
    "Innovation Committee, every read logged), counsellors and their sessions, and the "
    "Innovation Committee's review, which recommends while the inventors decide."
)


def build_services(
    settings: Settings,
    clock: SettableClock,
    db: AsyncDatabase[Document],
    outbox: OutboxWriter,
    sealer: Sealer,
) -> Services:
    """Every repository of the service on one database: the app's wiring and the integration
    tests build the container the same way, so a repository added here reaches both."""
    return Services(
        settings=settings,
        clock=clock,
        participants=ParticipantRepository(db, outbox),
        groups=GroupRepository(db, outbox),
        committees=CommitteeRepository(db, outbox),
        counsellors=CounsellorRepository(db, outbox),
        disclosures=DisclosureRepository(db, outbox),
        licences=LicenceRepository(db, outbox),
        filings=FilingRepository(db, outbox),
        reads=ReadLog(db),
        sealer=sealer,
        idempotency=IdempotencyStore(db["idempotency"], clock),
    )


async def wire(runtime: Runtime[Settings]) -> Wiring[Services]:
    settings = runtime.settings
    keyring = Keyring.load(settings.content_keyring_file, create=not settings.production)
    services = build_services(settings, runtime.clock, runtime.db, runtime.outbox, Sealer(keyring))

    async def scheduled(now: datetime) -> None:
        await tick(services, now)

    return Wiring(
        collections={repo.collection: repo.indexes for repo in (*ALL, *PLAIN)},
        outbox_collections=[repo.collection for repo in ALL],
        consumes=["enrollment.events"],
        handlers=handlers(services),
        background=[
            clock_driven(
                runtime.clock, scheduled, interval_s=settings.scheduler_interval_s, name="filings"
            )
        ],
        container=services,
    )


def create_app() -> FastAPI:
    return build(
        title="ip-counsel",
        settings_factory=Settings,
        wire=wire,
        routers=[router],
        description=DESCRIPTION,
    )

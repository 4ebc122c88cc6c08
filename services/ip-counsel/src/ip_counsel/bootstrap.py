"""Composition root of the ip-counsel service."""

from datetime import datetime

from fastapi import FastAPI

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
from megp_common.scheduler import clock_driven
from megp_common.web import IdempotencyStore

DESCRIPTION = (
    "Intellectual property counselling for inventors: invention disclosures kept secret "
    "(sealed at rest, readable only by the inventors, their counsellor and the reviewing "
    "Innovation Committee, every read logged), counsellors and their sessions, and the "
    "Innovation Committee's review, which recommends while the inventors decide."
)


async def wire(runtime: Runtime[Settings]) -> Wiring[Services]:
    settings = runtime.settings
    keyring = Keyring.load(settings.content_keyring_file, create=not settings.production)
    services = Services(
        settings=settings,
        clock=runtime.clock,
        participants=ParticipantRepository(runtime.db, runtime.outbox),
        groups=GroupRepository(runtime.db, runtime.outbox),
        committees=CommitteeRepository(runtime.db, runtime.outbox),
        counsellors=CounsellorRepository(runtime.db, runtime.outbox),
        disclosures=DisclosureRepository(runtime.db, runtime.outbox),
        licences=LicenceRepository(runtime.db, runtime.outbox),
        filings=FilingRepository(runtime.db, runtime.outbox),
        reads=ReadLog(runtime.db),
        sealer=Sealer(keyring),
        idempotency=IdempotencyStore(runtime.db["idempotency"], runtime.clock),
    )

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

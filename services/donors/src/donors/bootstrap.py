"""Composition root of the donors service."""

from datetime import datetime

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from donors.adapters.repositories import (
    ALL,
    PLAIN,
    AssociationRepository,
    DonationRepository,
    HistoryRepository,
    PledgeRepository,
    ProgrammeRepository,
    ProjectRepository,
    RateRepository,
    ReceiptCounters,
    ReportCopyRepository,
)
from donors.config import Settings
from donors.entrypoints.api.routes import router
from donors.entrypoints.api.schemas.donations import ReportPublic
from donors.service_layer.container import Services
from donors.service_layer.event_handlers import handlers
from donors.service_layer.queries import AssociationReport
from donors.service_layer.scheduler import tick
from megp_common.app import Runtime, Wiring
from megp_common.app import create_app as build
from megp_common.clock import SettableClock
from megp_common.locks import StoreLocks
from megp_common.mongo import Document, OutboxWriter
from megp_common.scheduler import clock_driven
from megp_common.web import IdempotencyStore

DESCRIPTION = (
    "Donor portals: associations of Mexicans abroad give to the project groups of their "
    "communities of origin (booked by funds, split 50/50), with numbered receipts, matching "
    "programmes in the style of 3x1 para Migrantes, and a view of what their money did. A "
    "donation gives no decision right [¶55]."
)


def build_services(
    settings: Settings, clock: SettableClock, db: AsyncDatabase[Document], outbox: OutboxWriter
) -> Services:
    """Every repository of the service on one database: the app's wiring and the integration
    tests build the container the same way."""
    return Services(
        settings=settings,
        clock=clock,
        associations=AssociationRepository(db, outbox),
        projects=ProjectRepository(db, outbox),
        histories=HistoryRepository(db, outbox),
        rates=RateRepository(db, outbox),
        donations=DonationRepository(db, outbox),
        programmes=ProgrammeRepository(db, outbox),
        pledges=PledgeRepository(db, outbox),
        counters=ReceiptCounters(db),
        locks=StoreLocks(db, LOCKS),
        idempotency=IdempotencyStore(db["idempotency"], clock),
        reports=ReportCopyRepository(db, outbox),
        render_report=report_json,
    )


def report_json(report: AssociationReport) -> str:
    """A report as the JSON text the API answers (and the copy kept of it stores)."""
    return ReportPublic.of(report).model_dump_json()


#: the store locks of a programme's caps and a year's receipt numbers (megp_common.locks)
LOCKS = "store_locks"


async def wire(runtime: Runtime[Settings]) -> Wiring[Services]:
    settings = runtime.settings
    services = build_services(settings, runtime.clock, runtime.db, runtime.outbox)

    async def scheduled(now: datetime) -> None:
        await tick(services, now)

    return Wiring(
        collections={repo.collection: repo.indexes for repo in (*ALL, *PLAIN)} | {LOCKS: ()},
        outbox_collections=[repo.collection for repo in ALL],
        consumes=["enrollment.events", "funds.events", "trade.events"],
        handlers=handlers(services),
        background=[
            clock_driven(
                runtime.clock, scheduled, interval_s=settings.scheduler_interval_s, name="donors"
            )
        ],
        container=services,
    )


def create_app() -> FastAPI:
    return build(
        title="donors",
        settings_factory=Settings,
        wire=wire,
        routers=[router],
        description=DESCRIPTION,
    )

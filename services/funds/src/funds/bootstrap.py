"""Composition root of the funds service."""

from __future__ import annotations

from datetime import datetime

from fastapi import FastAPI
from pymongo import IndexModel

from funds.adapters.journal import (
    CHECKPOINTS,
    JOURNAL,
    JOURNAL_INDEXES,
    OBLIGATION_ARCHIVE,
    Journal,
    JournalCopier,
    ObligationArchive,
)
from funds.adapters.month_ends import MONTH_ENDS, MonthEnds
from funds.adapters.participants import PARTICIPANTS, ParticipantDirectory
from funds.adapters.reconciliations import INDEXES as RECONCILIATION_INDEXES
from funds.adapters.reconciliations import RECONCILIATIONS, ReconciliationRepository
from funds.adapters.repositories import (
    FUNDS,
    SPENDING_REQUESTS,
    FundRepository,
    SpendingRequestRepository,
)
from funds.config import Settings
from funds.entrypoints.api.routes import router
from funds.service_layer import event_handlers
from funds.service_layer.container import Services
from funds.service_layer.month_ends import snapshot_due
from funds.service_layer.scheduler import run_once
from megp_common.app import Runtime, Wiring
from megp_common.app import create_app as build
from megp_common.scheduler import clock_driven
from megp_common.web import IdempotencyStore

DESCRIPTION = (
    "The Competition and Development Fund of every project group, on a double-entry ledger."
)
IDEMPOTENCY = "idempotency"


async def wire(runtime: Runtime[Settings]) -> Wiring[Services]:
    settings = runtime.settings
    policy = settings.policy()
    journal = Journal(runtime.db)
    archive = ObligationArchive(runtime.db)
    funds = FundRepository(runtime.db, runtime.outbox, policy)
    services = Services(
        funds=funds,
        journal=journal,
        copier=JournalCopier(
            runtime.db,
            journal,
            settings.journal_copy_interval_s,
            archive,
            coalesce_s=settings.journal_copy_coalesce_s,
            memory_keep={"recent_entry_ids": policy.recent_entries_remembered},
            written=funds.side_written,
            where=funds.by_id,
        ),
        archive=archive,
        spending=SpendingRequestRepository(runtime.db, runtime.outbox),
        reconciliations=ReconciliationRepository(runtime.db),
        month_ends=MonthEnds(runtime.db),
        participants=ParticipantDirectory(runtime.db),
        idempotency=IdempotencyStore(runtime.db[IDEMPOTENCY], runtime.clock),
        clock=runtime.clock,
        policy=policy,
    )

    async def copy_journal() -> None:
        await services.copier.run()

    async def due(now: datetime) -> None:
        await run_once(services, now)

    scheduler = clock_driven(
        runtime.clock, due, interval_s=settings.scheduler_interval_s, name="funds"
    )

    async def month_ends(now: datetime) -> None:
        await snapshot_due(services, now)

    snapshots = clock_driven(
        runtime.clock, month_ends, interval_s=settings.scheduler_interval_s, name="month-ends"
    )

    no_index: list[IndexModel] = []
    return Wiring(
        collections={
            FUNDS: no_index,
            JOURNAL: JOURNAL_INDEXES,
            CHECKPOINTS: no_index,
            OBLIGATION_ARCHIVE: no_index,
            PARTICIPANTS: no_index,
            IDEMPOTENCY: no_index,
            SPENDING_REQUESTS: list(SpendingRequestRepository.indexes),
            RECONCILIATIONS: RECONCILIATION_INDEXES,
            MONTH_ENDS: no_index,
        },
        outbox_collections=[FUNDS],
        consumes=["enrollment.events", "credit.events", "ip-counsel.events", "donors.events"],
        handlers=event_handlers.build(services),
        background=[copy_journal, scheduler, snapshots],
        container=services,
    )


def create_app() -> FastAPI:
    return build(
        title="funds",
        settings_factory=Settings,
        wire=wire,
        routers=[router],
        description=DESCRIPTION,
    )

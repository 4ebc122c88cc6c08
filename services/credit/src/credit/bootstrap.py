"""Composition root of the credit service."""

from datetime import datetime

from fastapi import FastAPI

from credit.adapters.month_ends import MONTH_ENDS, PortfolioMonthEnds
from credit.adapters.repositories import (
    ALL,
    PLAIN,
    FinancingRepository,
    FundRepaymentsRepository,
    GroupRepository,
    LeaseRepository,
    LineRepository,
    LoanRepository,
    SalesRepository,
)
from credit.config import Settings
from credit.entrypoints.api.routes import router
from credit.service_layer.container import Services
from credit.service_layer.event_handlers import handlers
from credit.service_layer.month_ends import snapshot_due
from credit.service_layer.scheduler import tick
from megp_common.app import Runtime, Wiring
from megp_common.app import create_app as build
from megp_common.scheduler import clock_driven
from megp_common.web import IdempotencyStore

DESCRIPTION = "Revolving credit lines, loans with exact schedules, delinquency, and leasing."


async def wire(runtime: Runtime[Settings]) -> Wiring[Services]:
    settings = runtime.settings
    credit = Services(
        settings=settings,
        clock=runtime.clock,
        loans=LoanRepository(runtime.db, runtime.outbox),
        lines=LineRepository(runtime.db, runtime.outbox),
        leases=LeaseRepository(runtime.db, runtime.outbox),
        groups=GroupRepository(runtime.db, runtime.outbox),
        idempotency=IdempotencyStore(runtime.db["idempotency"], runtime.clock),
        fund_repayments=FundRepaymentsRepository(runtime.db, runtime.outbox),
        financing=FinancingRepository(runtime.db, runtime.outbox),
        sales=SalesRepository(runtime.db),
        month_ends=PortfolioMonthEnds(runtime.db),
    )

    async def scheduled(now):  # type: ignore[no-untyped-def]
        await tick(credit, now)

    async def month_ends(now: datetime) -> None:
        await snapshot_due(credit, now)

    return Wiring(
        collections={repo.collection: repo.indexes for repo in (*ALL, *PLAIN)} | {MONTH_ENDS: ()},
        outbox_collections=[repo.collection for repo in ALL],
        consumes=["enrollment.events", "funds.events", "trade.events", "ip-counsel.events"],
        handlers=handlers(credit),
        background=[
            clock_driven(
                runtime.clock, scheduled, interval_s=settings.scheduler_interval_s, name="credit"
            ),
            clock_driven(
                runtime.clock,
                month_ends,
                interval_s=settings.scheduler_interval_s,
                name="month-ends",
            ),
        ],
        container=credit,
    )


def create_app() -> FastAPI:
    return build(
        title="credit",
        settings_factory=Settings,
        wire=wire,
        routers=[router],
        description=DESCRIPTION,
    )

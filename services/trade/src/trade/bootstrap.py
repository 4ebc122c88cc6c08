"""Composition root of the trade service."""

from datetime import datetime

from fastapi import FastAPI

from megp_common.app import Runtime, Wiring
from megp_common.app import create_app as build
from megp_common.scheduler import clock_driven
from megp_common.web import IdempotencyStore
from trade.adapters.repositories import (
    ALL,
    PLAIN,
    ChannelRepository,
    GroupRepository,
    OrderRepository,
    ProductRepository,
    RateRepository,
    RoundRepository,
    StockLocks,
    StockRepository,
)
from trade.config import Settings
from trade.entrypoints.api.routes import router
from trade.service_layer.container import Services
from trade.service_layer.event_handlers import handlers
from trade.service_layer.scheduler import tick

DESCRIPTION = (
    "The fair-trade marketplace: products sold by their group's ODF, orders across producers "
    "with stock reserved and never oversold, the producer's share of every sale, and collective "
    "purchasing rounds that pool members' demand for an input."
)


async def wire(runtime: Runtime[Settings]) -> Wiring[Services]:
    settings = runtime.settings
    trade = Services(
        settings=settings,
        clock=runtime.clock,
        products=ProductRepository(runtime.db, runtime.outbox),
        stock=StockRepository(runtime.db, StockLocks(runtime.db)),
        orders=OrderRepository(runtime.db, runtime.outbox),
        groups=GroupRepository(runtime.db, runtime.outbox),
        rounds=RoundRepository(runtime.db, runtime.outbox),
        idempotency=IdempotencyStore(runtime.db["idempotency"], runtime.clock),
        channels=ChannelRepository(runtime.db, runtime.outbox),
        rates=RateRepository(runtime.db, runtime.outbox),
    )

    async def scheduled(now: datetime) -> None:
        await tick(trade, now)

    return Wiring(
        collections={repo.collection: repo.indexes for repo in (*ALL, *PLAIN)},
        outbox_collections=[repo.collection for repo in ALL],
        consumes=["enrollment.events"],
        handlers=handlers(trade),
        background=[
            clock_driven(
                runtime.clock, scheduled, interval_s=settings.scheduler_interval_s, name="trade"
            )
        ],
        container=trade,
    )


def create_app() -> FastAPI:
    return build(
        title="trade",
        settings_factory=Settings,
        wire=wire,
        routers=[router],
        description=DESCRIPTION,
    )

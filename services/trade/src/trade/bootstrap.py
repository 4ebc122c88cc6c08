"""Composition root of the trade service."""

from datetime import datetime

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from megp_common.app import Runtime, Wiring
from megp_common.app import create_app as build
from megp_common.clock import SettableClock
from megp_common.mongo import Document, OutboxWriter
from megp_common.scheduler import clock_driven
from megp_common.web import IdempotencyStore
from trade.adapters.repositories import (
    ALL,
    PLAIN,
    ChannelRepository,
    GroupRepository,
    InventionRepository,
    OrderRepository,
    ProducerRepository,
    ProductRepository,
    PurchaseOrderRepository,
    RateRepository,
    RoundRepository,
    SaleLineRepository,
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


def build_services(
    settings: Settings, clock: SettableClock, db: AsyncDatabase[Document], outbox: OutboxWriter
) -> Services:
    """Every repository of the service on one database: the app's wiring and the integration
    tests build the container the same way."""
    channels = ChannelRepository(db, outbox)
    channels.remember_s = settings.channel_memory_s
    return Services(
        settings=settings,
        clock=clock,
        products=ProductRepository(db, outbox),
        stock=StockRepository(db),
        orders=OrderRepository(db, outbox),
        groups=GroupRepository(db, outbox),
        rounds=RoundRepository(db, outbox),
        idempotency=IdempotencyStore(db["idempotency"], clock),
        purchase_orders=PurchaseOrderRepository(db, outbox),
        producers=ProducerRepository(db, outbox),
        sale_lines=SaleLineRepository(db),
        channels=channels,
        rates=RateRepository(db, outbox),
        inventions=InventionRepository(db, outbox),
    )


async def wire(runtime: Runtime[Settings]) -> Wiring[Services]:
    settings = runtime.settings
    trade = build_services(settings, runtime.clock, runtime.db, runtime.outbox)

    async def scheduled(now: datetime) -> None:
        await tick(trade, now)

    return Wiring(
        collections={repo.collection: repo.indexes for repo in (*ALL, *PLAIN)},
        outbox_collections=[repo.collection for repo in ALL],
        # trade.events: its own SaleCompleted feeds the sales ledger (service_layer/ledger.py)
        # ip-counsel.events: the decisions and filings that clear an invention (listing guard)
        # donors.events: an association registered gets its channel (channels.py)
        consumes=["enrollment.events", "trade.events", "ip-counsel.events", "donors.events"],
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

"""What the trade service's handlers and routes work with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from megp_common.clock import SettableClock
from megp_common.web import IdempotencyStore
from trade.adapters.repositories import (
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
from trade.domain.pricing import FeeTerms


@dataclass
class Services:
    settings: Settings
    clock: SettableClock
    products: ProductRepository
    stock: StockRepository
    orders: OrderRepository
    groups: GroupRepository
    rounds: RoundRepository
    idempotency: IdempotencyStore
    purchase_orders: PurchaseOrderRepository
    producers: ProducerRepository
    sale_lines: SaleLineRepository
    channels: ChannelRepository
    rates: RateRepository
    inventions: InventionRepository

    @property
    def terms(self) -> FeeTerms:
        return FeeTerms(self.settings.channel_fee_rate, self.settings.logistics_rate)

    @property
    def reservation(self) -> timedelta:
        return timedelta(minutes=self.settings.reservation_minutes)

    @property
    def purchase_order_reservation(self) -> timedelta:
        return timedelta(days=self.settings.purchase_order_reservation_days)

    def now(self) -> datetime:
        return self.clock.now()

"""What the trade service's handlers and routes work with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from megp_common.clock import SettableClock
from megp_common.web import IdempotencyStore
from megp_common.writer import AggregateWriter
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
from trade.domain.purchasing import PurchasingRound


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
    #: members' demands in a round go through its line here, committed together
    #: (megp_common.writer): a round's hundred demands on its opening day are a few writes
    round_writer: AggregateWriter[PurchasingRound] = field(init=False)

    def __post_init__(self) -> None:
        self.round_writer = AggregateWriter(self.rounds, name=lambda i: f"purchasing round {i}")

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

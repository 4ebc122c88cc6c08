from decimal import Decimal
from typing import Literal

from pydantic import Field

from megp_common.settings import ServiceSettings
from trade.domain.purchasing import QuoteDecider


class Settings(ServiceSettings):
    """Settings of the trade service (environment variables override every default)."""

    service_name: str = "trade"
    http_port: int = 8004
    reservation_minutes: int = Field(
        default=30, ge=1, le=60 * 24 * 30, description="How long a retail order holds its stock"
    )
    purchase_order_reservation_days: int = Field(
        default=14, ge=1, le=180, description="How long an accepted purchase order holds its stock"
    )
    purchase_order_horizon_days: int = Field(
        default=365, ge=1, le=3 * 365, description="How far ahead a purchase order's delivery is"
    )
    channel_fee_rate: Decimal = Field(
        default=Decimal("0.10"),
        ge=0,
        lt=1,
        description="The marketplace's (trade center's) fee, a fraction of each sale line [¶97]",
    )
    logistics_rate: Decimal = Field(
        default=Decimal("0.05"), ge=0, lt=1, description="Logistics, a fraction of each sale line"
    )
    association_fee_rate: Decimal = Field(
        default=Decimal("0.05"),
        ge=0,
        lt=1,
        description="The fee of the channel trade opens for each association abroad [¶53]",
    )
    association_logistics_rate: Decimal = Field(
        default=Decimal("0.12"),
        ge=0,
        lt=1,
        description="Logistics of an association's channel (shipping abroad)",
    )
    association_currencies: list[Literal["MXN", "USD"]] = Field(
        default=["USD", "MXN"],
        min_length=1,
        description="What an association's channel takes",
    )
    return_days: int = Field(
        default=30, ge=0, le=365, description="How many days after shipment a buyer may return"
    )
    marketplace_currencies: list[Literal["MXN", "USD"]] = Field(
        default=["MXN"],
        min_length=1,
        description="What the national online store takes; its fee and logistics rates are "
        "the two above, copied when it is first used",
    )
    quote_decider: QuoteDecider = Field(
        default=QuoteDecider.STAFF,
        description="Who chooses a purchasing round's quote for the ODF: board or staff [¶55]",
    )
    scheduler_interval_s: float = 5.0
    channel_memory_s: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="How long a channel read answers orders' placings without another read: "
        "how far behind another trade process's close of a channel this one may be (its own "
        "closes are known at once)",
    )
    report_lines_max: int = Field(
        default=20_000,
        ge=1,
        le=1_000_000,
        description="The most sale lines one report reads and sums (more is a 422); a "
        "national report over every state reads 10 000 lines in 2 to 4 s on FerretDB v1",
    )
    report_rounds_max: int = Field(
        default=2_000, ge=1, le=100_000, description="The most rounds one savings report reads"
    )

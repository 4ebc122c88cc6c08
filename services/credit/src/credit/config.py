from decimal import Decimal

from pydantic import Field

from megp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the credit service (environment variables override every default)."""

    service_name: str = "credit"
    http_port: int = 8003
    default_lender: str = "NAFIN"
    lender_rates: dict[str, Decimal] = Field(
        default_factory=lambda: {"NAFIN": Decimal("0.1200"), "Banorte": Decimal("0.1150")},
        description="Each lender's fixed preferential annual rate [¶89] (JSON in the env): "
        "the lenders of the programme, NAFIN and the partner banks that may take lines over",
    )
    opening_multiple: Decimal = Decimal(2)
    cap_multiple: Decimal = Decimal(64)
    review_months: int = 6
    repeat_multiple: Decimal = Decimal("1.5")
    lease_default_after_days: int = 30
    replenishment_grace_days: int = Field(
        default=30,
        ge=0,
        description="Days a borrower has to replenish what the fund paid for them and still "
        "count as on time [¶84]; the same figure as funds' NON_FULFILLMENT_GRACE_DAYS [¶77]",
    )
    scheduler_interval_s: float = 5.0

from decimal import Decimal

from pydantic import Field

from megp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the credit service (environment variables override every default)."""

    service_name: str = "credit"
    http_port: int = 8003
    default_lender: str = "NAFIN"
    lender_rates: dict[str, Decimal] = Field(
        default_factory=lambda: {"NAFIN": Decimal("0.1200")},
        description="Each lender's fixed preferential annual rate [¶89] (JSON in the env)",
    )
    opening_multiple: Decimal = Decimal(2)
    cap_multiple: Decimal = Decimal(64)
    review_months: int = 6
    repeat_multiple: Decimal = Decimal("1.5")
    lease_default_after_days: int = 30
    scheduler_interval_s: float = 5.0

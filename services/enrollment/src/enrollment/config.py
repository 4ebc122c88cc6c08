from decimal import Decimal

from pydantic import Field

from enrollment.domain.terms import DEFAULT_PARTNER_BANKS, ProgrammeTerms
from megp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the enrollment service; every field is overridable by an environment variable
    of the same name (upper case). Lists are given as JSON, e.g. PARTNER_BANKS='["Banorte"]'."""

    service_name: str = "enrollment"
    http_port: int = 8001

    minimum_group_members: int = Field(default=5, ge=1)
    young_under_age: int = Field(default=30, ge=1)
    elderly_from_age: int = Field(default=60, ge=1)
    fund_deposit_rate: Decimal = Field(default=Decimal("0.10"), ge=0, le=1)
    odf_share_rate: Decimal = Field(default=Decimal("0.25"), ge=0, le=1)
    partner_banks: list[str] = Field(default_factory=lambda: list(DEFAULT_PARTNER_BANKS))
    rfc_check_digit: bool = True
    period_lengths_months: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 6, 12])
    default_period_months: int = 1

    def terms(self) -> ProgrammeTerms:
        return ProgrammeTerms(
            minimum_group_members=self.minimum_group_members,
            young_under_age=self.young_under_age,
            elderly_from_age=self.elderly_from_age,
            fund_deposit_rate=self.fund_deposit_rate,
            odf_share_rate=self.odf_share_rate,
            partner_banks=tuple(self.partner_banks),
            rfc_check_digit=self.rfc_check_digit,
            period_lengths_months=frozenset(self.period_lengths_months),
        )

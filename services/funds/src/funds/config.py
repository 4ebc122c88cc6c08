from pydantic import Field

from funds.domain.accounts import SubFund
from funds.domain.policy import FundPolicy
from megp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the funds service (environment variables override every default)."""

    service_name: str = "funds"
    http_port: int = 8002

    repayment_order: list[SubFund] = Field(
        default=[SubFund.COMPETITION, SubFund.DEVELOPMENT],
        description="Which sub-fund pays a due instalment first [¶76]",
    )
    non_fulfillment_grace_days: int = Field(default=30, ge=0)
    deposit_due_days: int = Field(
        default=30, ge=0, description="Days after a period's end to make its 10 % deposit"
    )
    initial_period_months: int = Field(default=3, ge=1)
    withdrawals_from_year: int = Field(default=4, ge=1)
    retirement_age: int = Field(default=60, ge=0)
    odd_centavo_to: SubFund = SubFund.DEVELOPMENT
    recent_entries_remembered: int = Field(default=2000, ge=10)
    scheduler_interval_s: float = Field(default=2.0, gt=0)
    journal_copy_interval_s: float = Field(default=1.0, gt=0)
    # a commit's entries are copied this long after it, with whatever later commits of the same
    # fund posted meanwhile: one read and one clearing write of the fund for the lot
    journal_copy_coalesce_s: float = Field(default=1.0, ge=0)

    def policy(self) -> FundPolicy:
        return FundPolicy(
            repayment_order=tuple(self.repayment_order),
            grace_days=self.non_fulfillment_grace_days,
            deposit_due_days=self.deposit_due_days,
            initial_period_months=self.initial_period_months,
            withdrawals_from_year=self.withdrawals_from_year,
            retirement_age=self.retirement_age,
            odd_centavo_to=self.odd_centavo_to,
            recent_entries_remembered=self.recent_entries_remembered,
        )

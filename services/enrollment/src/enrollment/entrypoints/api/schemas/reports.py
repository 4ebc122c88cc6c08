from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from megp_common.money import MoneyAmount

Share = Field(description="Fraction of all participants in scope, four decimals")


class ParticipationReport(BaseModel):
    participants: int
    by_state: dict[str, int]
    by_gender: dict[str, int]
    by_member_type: dict[str, int]
    by_programme: dict[str, int]
    programme_shares: dict[str, Decimal] = Share
    equal_opportunity_shares: dict[str, Decimal] = Field(
        description="Shares of women, indigenous, young, elderly and disabled participants [¶20]"
    )


class IncomeGrowthReport(BaseModel):
    members: int
    closed_periods: int
    total_income: MoneyAmount
    total_baseline: MoneyAmount
    incremental_income: MoneyAmount
    growth_rate: Decimal | None = Field(description="incremental / baseline; null without one")
    members_above_baseline: int


class StateIncomeGrowth(IncomeGrowthReport):
    state_code: str


class MonthIncomeGrowth(BaseModel):
    month: str = Field(description="YYYY-MM: the periods that start in this month")
    states: list[StateIncomeGrowth] = Field(description="Each state in scope with closed periods")
    total: IncomeGrowthReport = Field(description="The states together")


class IncomeGrowthByPeriod(BaseModel):
    months: list[MonthIncomeGrowth] = Field(
        description="The months of the range with closed periods, oldest first"
    )

"""The portfolio's delinquency, as supervisors and lenders read it."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from credit.domain.month_ends import StatePortfolio
from credit.service_layer.month_ends import PortfolioMonth
from credit.service_layer.queries import PortfolioSlice
from megp_common.money import MoneyAmount, Share
from megp_common.month_ends import last_day


class PortfolioRow(BaseModel):
    key: str = Field(description="The group id, state code or lender the row sums")
    outstanding_principal: MoneyAmount
    par30: Share = Field(description="Share (0-1) of principal more than 30 days past due")
    buckets: dict[str, MoneyAmount]

    @classmethod
    def of(cls, row: PortfolioSlice) -> PortfolioRow:
        return cls(
            key=row.key,
            outstanding_principal=row.outstanding_principal,
            par30=row.par30,
            buckets=row.buckets,
        )


class PortfolioStateRow(BaseModel):
    state_code: str = Field(description="The state, or `all` for a sum over the caller's states")
    loans: int = Field(description="Loans being repaid at the month's end")
    outstanding_principal: MoneyAmount
    par30: Share = Field(description="Share (0-1) of principal more than 30 days past due")
    buckets: dict[str, MoneyAmount]

    @classmethod
    def of(cls, row: StatePortfolio) -> PortfolioStateRow:
        return cls(
            state_code=row.state_code,
            loans=row.loans,
            outstanding_principal=row.outstanding_principal,
            par30=row.par30,
            buckets=row.buckets,
        )


class PortfolioMonthRow(BaseModel):
    month: str = Field(description="YYYY-MM", examples=["2030-03"])
    on: date = Field(description="The month's last day: the figures are at its end")
    states: list[PortfolioStateRow] = Field(description="Each state in scope with loans")
    total: PortfolioStateRow = Field(description="The states' sum (`state_code`: asked or `all`)")

    @classmethod
    def of(cls, month: PortfolioMonth) -> PortfolioMonthRow:
        return cls(
            month=month.month,
            on=last_day(month.month),
            states=[PortfolioStateRow.of(r) for r in month.states],
            total=PortfolioStateRow.of(month.total),
        )


class PortfolioHistory(BaseModel):
    months: list[PortfolioMonthRow] = Field(
        description="The months of the range already ended and written, oldest first"
    )

"""The portfolio's delinquency, as supervisors and lenders read it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from credit.service_layer.queries import PortfolioSlice
from megp_common.money import MoneyAmount, Share


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

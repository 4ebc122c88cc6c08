"""The by-state totals at each month's end (service_layer/month_ends.py)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from funds.domain.calendar import to_amount
from funds.entrypoints.api.schemas.funds import StateSummary
from funds.service_layer.month_ends import MonthTotals
from funds.service_layer.queries import StateTotals
from megp_common.month_ends import last_day


def summary(row: StateTotals) -> StateSummary:
    return StateSummary(
        state_code=row.state_code,
        funds=row.funds,
        trust_cash=to_amount(row.trust_cash_cents),
        development_subfund=to_amount(row.development_cents),
        competition_subfund=to_amount(row.competition_cents),
        temporary_contributions_to_return=to_amount(row.temporary_to_return_cents),
        owed_by_borrowers=to_amount(row.owed_by_borrowers_cents),
    )


class MonthSummary(BaseModel):
    month: str = Field(description="YYYY-MM", examples=["2030-03"])
    on: date = Field(description="The month's last day: the totals are at its end (UTC)")
    states: list[StateSummary] = Field(description="Each state in scope that had a fund")
    total: StateSummary = Field(
        description="The states' sum: `state_code` is the state asked for, or `all`"
    )

    @classmethod
    def of(cls, month: MonthTotals) -> MonthSummary:
        return cls(
            month=month.month,
            on=last_day(month.month),
            states=[summary(r) for r in month.states],
            total=summary(month.total),
        )


class FundHistory(BaseModel):
    months: list[MonthSummary] = Field(
        description="The months of the range already ended and written, oldest first"
    )

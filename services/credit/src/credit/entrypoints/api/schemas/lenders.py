"""Lenders [¶83, ¶90]: a bank's offer to take a line over, the lender-of-record history, and a
lender's creditworthiness view [¶88, ¶90]."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from credit.domain import creditworthiness as cw
from credit.domain.commands import OfferTakeover
from megp_common.money import MoneyAmount, Share
from megp_common.schemas import RequestModel


class LenderOfRecordPublic(BaseModel):
    lender: str
    since: date = Field(description="The first day this lender is the lender of record")
    agreed_on: date | None = Field(default=None, description="A takeover: the day of consent")
    announced: bool = Field(
        default=True, description="False while an agreed takeover waits for its day"
    )


class TakeoverOfferPublic(BaseModel):
    lender: str
    effective_on: date
    offered_on: date
    offered_by: str


class TakeoverOfferCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"lender": "Banorte", "effective_on": "2028-01-01"}]},
    )

    lender: str = Field(
        min_length=1, max_length=100, description="The partner bank taking the line over"
    )
    effective_on: date = Field(description="From this day (today or later) the bank lends")

    def command(self, group_id: str) -> OfferTakeover:
        return OfferTakeover(group_id=group_id, lender=self.lender, effective_on=self.effective_on)


class VintagePublic(BaseModel):
    month: str = Field(description="The disbursement month, YYYY-MM")
    loans: int
    disbursed: MoneyAmount
    repaid_share: list[Share] = Field(
        description="Share of the cohort's principal repaid by the end of each month since "
        "disbursement (index 0: the disbursement month)"
    )


class StepUpPublic(BaseModel):
    loan_id: str
    borrower_kind: str
    borrower_id: str
    amount: MoneyAmount
    repaid_on: date
    may_borrow_up_to: MoneyAmount = Field(description="1.5 x the loan repaid on time [¶84]")


class LineRaisePublic(BaseModel):
    reviewed_on: date
    previous_limit: MoneyAmount
    limit: MoneyAmount
    lender: str = Field(description="The lender of record on the review's day")


class GroupRecordPublic(BaseModel):
    group_id: str
    state: str | None
    loans: int = Field(description="Loans disbursed (active or repaid)")
    active_loans: int
    repaid_loans: int
    outstanding_principal: MoneyAmount
    instalments_due: int = Field(description="Instalments fallen due: paid, or not yet")
    paid_on_time: int
    paid_late: int
    unpaid: int = Field(description="Fallen due and not paid yet")
    days_late_total: int
    days_late_max: int
    days_past_due: int
    current_state: str = Field(description="current, 1-30, 31-60, 61-90, 90+ or closed")
    step_ups: list[StepUpPublic]
    line_raises: list[LineRaisePublic]

    @classmethod
    def of(cls, row: cw.GroupRecord) -> GroupRecordPublic:
        return cls.model_validate(row, from_attributes=True)


class CreditworthinessPublic(BaseModel):
    lender: str
    as_of: date
    outstanding_principal: MoneyAmount
    par30: Share = Field(description="Share (0-1) of principal more than 30 days past due")
    par90: Share = Field(description="Share (0-1) of principal more than 90 days past due")
    loans: int
    groups: int
    step_ups_earned: int = Field(description="Loans repaid on time (1.5 x next) [¶84]")
    line_raises: int = Field(description="Line reviews that raised a line [¶80]")
    vintages: list[VintagePublic]
    records: list[GroupRecordPublic] = Field(description="This page of groups, by group id")
    next_after: str | None = Field(
        default=None, description="Pass as `after` for the next page of groups; null at the end"
    )

    @classmethod
    def of(
        cls, view: cw.Creditworthiness, records: list[cw.GroupRecord], next_after: str | None
    ) -> CreditworthinessPublic:
        return cls(
            lender=view.lender,
            as_of=view.as_of,
            outstanding_principal=view.outstanding_principal,
            par30=view.par30,
            par90=view.par90,
            loans=view.loans,
            groups=view.groups,
            step_ups_earned=view.step_ups_earned,
            line_raises=view.line_raises,
            vintages=[VintagePublic.model_validate(v, from_attributes=True) for v in view.vintages],
            records=[GroupRecordPublic.of(r) for r in records],
            next_after=next_after,
        )

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from enrollment.domain.business_plan import BusinessPlan
from enrollment.domain.group_period import (
    GroupPeriod,
    MemberLine,
    MemberResult,
    Sale,
    SaleReturn,
)
from enrollment.domain.periods import Period
from enrollment.entrypoints.api.schemas.common import Reason, Request
from megp_common.money import IncomeAmount, MoneyAmount


class PlanCreate(Request):
    participant_id: str = Field(min_length=1, max_length=64)
    baseline_income: IncomeAmount = Field(description="Income per period before joining, MXN")
    target_increase: IncomeAmount = Field(description="Targeted extra income per period, MXN")
    period_months: int | None = Field(
        default=None, ge=1, le=12, description="Defaults to the service's setting (1)"
    )
    start_date: date = Field(description="First day of a month", examples=["2031-01-01"])


class PlanSheet(Request):
    plans: list[PlanCreate] = Field(
        min_length=1, max_length=500, description="One line per member agreeing a plan"
    )


class PlanRevision(Request):
    baseline_income: IncomeAmount | None = None
    target_increase: IncomeAmount | None = None


class PlanPublic(BaseModel):
    id: str
    group_id: str
    odf_id: str
    participant_id: str
    baseline_income: MoneyAmount
    target_increase: MoneyAmount
    target_income: MoneyAmount
    period_months: int
    start_date: date
    revision: int
    agreed_at: datetime
    currency: str = "MXN"
    version: int

    @classmethod
    def of(cls, p: BusinessPlan) -> PlanPublic:
        return cls(
            id=p.id,
            group_id=p.group_id,
            odf_id=p.odf_id,
            participant_id=p.participant_id,
            baseline_income=p.baseline_income,
            target_increase=p.target_increase,
            target_income=p.target_income,
            period_months=p.period_months,
            start_date=p.start_date,
            revision=p.revision,
            agreed_at=p.agreed_at,
            version=p.version,
        )


class IncomeRecord(Request):
    income: IncomeAmount = Field(
        description="The period's income so far, MXN", examples=["8450.00"]
    )


class CorrectionCreate(Request):
    income: IncomeAmount
    reason: Reason


class ResultPublic(BaseModel):
    result_id: str
    participant_id: str
    plan_id: str
    income: MoneyAmount = Field(description="At a closing: income_typed + sales - returns")
    income_typed: MoneyAmount | None = Field(
        default=None, description="The income typed for the period (None: a correction)"
    )
    sales: MoneyAmount | None = Field(
        default=None, description="The producer's part of the sales counted (None: a correction)"
    )
    returns: MoneyAmount | None = Field(
        default=None, description="The producer's part of the returns taken (None: a correction)"
    )
    baseline: MoneyAmount
    incremental_income: MoneyAmount
    deposit_due: MoneyAmount = Field(description="10 % of positive incremental income [¶71]")
    odf_share: MoneyAmount = Field(description="25 % of positive incremental income [¶68]")
    closed_at: datetime
    replaces: str | None = None
    reason: str | None = None

    @classmethod
    def of(cls, r: MemberResult) -> ResultPublic:
        return cls(**r.model_dump())


class SalePublic(BaseModel):
    sale_id: str = Field(description="The id of trade's SaleCompleted event")
    order_id: str
    participant_id: str
    producer_part: MoneyAmount
    completed_on: date
    counted_at: datetime

    @classmethod
    def of(cls, sale: Sale) -> SalePublic:
        return cls(**sale.model_dump())


class SaleReturnPublic(BaseModel):
    sale_id: str = Field(description="The id of trade's SaleReturned event")
    return_id: str
    order_id: str
    participant_id: str
    producer_part: MoneyAmount
    returned_on: date
    counted_at: datetime

    @classmethod
    def of(cls, back: SaleReturn) -> SaleReturnPublic:
        return cls(**back.model_dump())


class MemberPeriodPublic(BaseModel):
    participant_id: str
    period_start: date
    period_end: date
    income: MoneyAmount | None = Field(
        description="income_typed + sales - returns: what a closing counts (None until income "
        "is typed)"
    )
    income_typed: MoneyAmount | None = Field(description="The income typed for the period")
    sales: MoneyAmount = Field(description="The producer's part of the sales counted")
    sales_counted: list[SalePublic] = Field(description="The completed sales in `sales`")
    late_sales: list[SalePublic] = Field(
        description="Sales that came after the member's period closed: kept, not counted "
        "(the result stands; a correction changes it)"
    )
    returns: MoneyAmount = Field(
        default=Decimal("0.00"), description="The producer's part of the returns taken"
    )
    returns_counted: list[SaleReturnPublic] = Field(
        default=[], description="Returns of sold units taken from `income` (trade's SaleReturned)"
    )
    late_returns: list[SaleReturnPublic] = Field(
        default=[],
        description="Returns that came after the member's period closed: kept, not counted "
        "(the result stands; a correction changes it)",
    )
    result: ResultPublic | None = Field(description="The result in force (last correction)")
    history: list[ResultPublic] = Field(description="The first result, then each correction")
    group_period_closed: bool

    @classmethod
    def of(cls, period: Period, participant_id: str, doc: GroupPeriod | None) -> MemberPeriodPublic:
        line: MemberLine | None = doc.lines.get(participant_id) if doc else None
        results = ([line.result] if line and line.result else []) + (
            line.corrections if line else []
        )
        return cls(
            participant_id=participant_id,
            period_start=period.start,
            period_end=period.end,
            income=line.total_income if line else None,
            income_typed=line.income if line else None,
            sales=line.sales_total if line else Decimal("0.00"),
            sales_counted=[SalePublic.of(x) for x in line.sales] if line else [],
            late_sales=[SalePublic.of(x) for x in line.late_sales] if line else [],
            returns=line.returns_total if line else Decimal("0.00"),
            returns_counted=[SaleReturnPublic.of(x) for x in line.returns] if line else [],
            late_returns=[SaleReturnPublic.of(x) for x in line.late_returns] if line else [],
            result=ResultPublic.of(results[-1]) if results else None,
            history=[ResultPublic.of(r) for r in results],
            group_period_closed=bool(doc and doc.closed_at),
        )


class SheetLine(Request):
    participant_id: str = Field(min_length=1, max_length=64)
    income: IncomeAmount


class GroupPeriodClosing(Request):
    period_start: date = Field(description="First day of the period (a month's first day)")
    period_months: int | None = Field(default=None, ge=1, le=12)
    incomes: list[SheetLine] = Field(
        max_length=5000,
        description="Every due member's income; members whose income was already recorded "
        "may be left out",
    )


class GroupPeriodPublic(BaseModel):
    id: str
    group_id: str
    odf_id: str
    period_start: date
    period_end: date
    period_months: int
    closed_at: datetime | None
    members: list[MemberPeriodPublic]
    unplanned_sales: list[SalePublic] = Field(
        description="Sales of producers without a plan in the group covering the sale's day"
    )
    unplanned_returns: list[SaleReturnPublic] = Field(
        default=[], description="Returns of producers without a plan covering the return's day"
    )
    version: int

    @classmethod
    def of(cls, doc: GroupPeriod) -> GroupPeriodPublic:
        return cls(
            id=doc.id,
            group_id=doc.group_id,
            odf_id=doc.odf_id,
            period_start=doc.period.start,
            period_end=doc.period.end,
            period_months=doc.period_months,
            closed_at=doc.closed_at,
            members=[MemberPeriodPublic.of(doc.period, p, doc) for p in sorted(doc.lines)],
            unplanned_sales=[SalePublic.of(x) for x in doc.unplanned_sales],
            unplanned_returns=[SaleReturnPublic.of(x) for x in doc.unplanned_returns],
            version=doc.version,
        )

"""Financing requests from trade's purchasing rounds [¶30, ¶69] and ip-counsel's IMPI fees,
the ODF's completion of one into a loan application, and a member's sales history beside their
repayment record."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from credit.domain.commands import CompleteFinancing
from credit.domain.financing import FinancingOrigin, FinancingRequest, FinancingStatus
from credit.domain.loan import InstalmentStatus, Loan, LoanStatus
from credit.domain.sales import SalesLine
from credit.domain.schedule import AmortizationMethod
from credit.service_layer.queries import SalesHistory
from megp_common.money import MoneyAmount
from megp_common.schemas import RequestModel


class FinancingApplication(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"term_months": 6, "method": "french"}]}
    )

    term_months: int = Field(ge=1, le=120, description="The loan's term, which trade cannot know")
    method: AmortizationMethod = AmortizationMethod.FRENCH
    business_plan_id: str | None = Field(default=None, min_length=1, max_length=100)

    def command(self, request_id: str) -> CompleteFinancing:
        return CompleteFinancing(
            request_id=request_id,
            term_months=self.term_months,
            business_plan_id=self.business_plan_id,
            method=self.method,
        )


class FinancedMemberPublic(BaseModel):
    participant_id: str
    member_odf_id: str
    cost_share: MoneyAmount


class FeeAskedPublic(BaseModel):
    filing_id: str
    disclosure_id: str
    deadline_id: str
    kind: str = Field(description="The IMPI fee's kind, as ip-counsel names it")
    due_on: date


class FinancingPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0194f2a1-aa11-7b22-8c33-4d44e55f6607",
                    "version": 1,
                    "origin": "purchasing_round",
                    "round_id": "0194f2a1-dd11-7b22-8c33-4d44e55f6607",
                    "group_id": "0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90",
                    "odf_id": "0194f2a1-ee11-7b22-8c33-4d44e55f6607",
                    "state": "20",
                    "item": "hilo de algodón",
                    "amount": "1250.40",
                    "currency": "MXN",
                    "members": [],
                    "requested_by": "staff-1",
                    "requested_on": "2027-03-16",
                    "status": "pending",
                }
            ]
        }
    )

    id: str
    version: int
    origin: FinancingOrigin = Field(description="purchasing_round (trade) | impi_fee (ip-counsel)")
    round_id: str | None = Field(default=None, description="A purchasing round's request")
    fee: FeeAskedPublic | None = Field(default=None, description="An IMPI fee's request")
    group_id: str
    odf_id: str
    state: str | None
    item: str
    amount: MoneyAmount
    currency: str
    members: list[FinancedMemberPublic]
    requested_by: str
    requested_on: date
    status: FinancingStatus
    loan_id: str | None = Field(default=None, description="The loan applied for, once completed")
    applied_on: date | None = None
    refusal: str | None = Field(default=None, description="Why credit could not take it")

    @classmethod
    def of(cls, request: FinancingRequest) -> FinancingPublic:
        return cls.model_validate(request.model_dump(exclude={"applied"}))


class SalesLinePublic(BaseModel):
    month: str | None = Field(default=None, description="YYYY-MM (none on a total)")
    currency: str
    count: int
    amount: MoneyAmount = Field(description="What the member's lines sold for")
    producer_part: MoneyAmount = Field(description="What the member earned of it [¶97-¶98]")

    @classmethod
    def of(cls, line: SalesLine) -> SalesLinePublic:
        return cls(
            month=line.month,
            currency=line.currency,
            count=line.count,
            amount=line.amount,
            producer_part=line.producer_part,
        )


class LoanRecordPublic(BaseModel):
    loan_id: str
    group_id: str
    amount: MoneyAmount
    status: LoanStatus
    applied_on: date
    disbursed_on: date | None = None
    repaid_on: date | None = None
    on_time: bool | None = Field(default=None, description="Repaid on time [¶84] (once known)")
    instalments: int
    instalments_paid: int
    instalments_late: int = Field(description="Paid after their due date, or overdue now")
    days_past_due: int

    @classmethod
    def of(cls, loan: Loan, days_past_due: int) -> LoanRecordPublic:
        paid = [i for i in loan.instalments if i.status is InstalmentStatus.PAID]
        late = [
            i
            for i in loan.instalments
            if i.was_late or i.days_late > 0 or i.status is InstalmentStatus.OVERDUE
        ]
        return cls(
            loan_id=loan.id,
            group_id=loan.group_id,
            amount=loan.amount,
            status=loan.status,
            applied_on=loan.applied_on,
            disbursed_on=loan.disbursed_on,
            repaid_on=loan.repaid_on,
            on_time=loan.on_time,
            instalments=len(loan.instalments),
            instalments_paid=len(paid),
            instalments_late=len(late),
            days_past_due=days_past_due,
        )


class SalesHistoryPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "count": 3,
                    "totals": [
                        {
                            "currency": "MXN",
                            "count": 3,
                            "amount": "1050.00",
                            "producer_part": "892.50",
                        }
                    ],
                    "months": [
                        {
                            "month": "2027-03",
                            "currency": "MXN",
                            "count": 3,
                            "amount": "1050.00",
                            "producer_part": "892.50",
                        }
                    ],
                    "repayment_record": [],
                }
            ]
        }
    )

    count: int = Field(description="Completed sales (one per order) in the reader's states")
    totals: list[SalesLinePublic]
    months: list[SalesLinePublic]
    repayment_record: list[LoanRecordPublic] = Field(
        description="The member's own loans, oldest first, with how they were repaid"
    )

    @classmethod
    def of(cls, history: SalesHistory) -> SalesHistoryPublic:
        return cls(
            count=sum(t.count for t in history.totals),
            totals=[SalesLinePublic.of(t) for t in history.totals],
            months=[SalesLinePublic.of(m) for m in history.months],
            repayment_record=[LoanRecordPublic.of(x, dpd) for x, dpd in history.loans],
        )

"""Loans: the application, the board's or lender's rejection, a direct payment, and the loan
as its readers see it (with its schedule)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from credit.domain.commands import ApplyForLoan
from credit.domain.loan import InstalmentStatus, Loan, LoanStatus
from credit.domain.schedule import AmortizationMethod
from credit.entrypoints.api.schemas.lenders import LenderOfRecordPublic
from megp_common.money import LoanAmount, MoneyAmount, PaymentAmount, Rate
from megp_common.schemas import RequestModel

Id = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_\-]+$")


class LoanCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "group_id": "0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90",
                    "borrower_kind": "participant",
                    "borrower_id": "0194f2a1-6b2d-7a3c-8f0e-2e4b1a6c7d80",
                    "amount": "25000.00",
                    "purpose": "a second oven for the bakery",
                    "term_months": 12,
                }
            ]
        },
    )

    group_id: str = Id
    borrower_kind: Literal["odf", "participant"]
    borrower_id: str = Field(
        min_length=1, max_length=100, description="The ODF id, or the member's participant id"
    )
    amount: LoanAmount
    purpose: str = Field(min_length=3, max_length=300)
    term_months: int = Field(ge=1, le=120)
    business_plan_id: str | None = Field(default=None, max_length=100)
    method: AmortizationMethod = AmortizationMethod.FRENCH

    def command(self) -> ApplyForLoan:
        return ApplyForLoan(
            group_id=self.group_id,
            borrower_kind=self.borrower_kind,
            borrower_id=self.borrower_id,
            amount=self.amount,
            purpose=self.purpose,
            term_months=self.term_months,
            business_plan_id=self.business_plan_id,
            method=self.method,
        )


class Rejection(RequestModel):
    reason: str = Field(min_length=3, max_length=500, examples=["the business plan is too thin"])


class DirectPayment(RequestModel):
    amount: PaymentAmount


class InstalmentPublic(BaseModel):
    number: int
    due_date: date
    principal: MoneyAmount
    interest: MoneyAmount
    total: MoneyAmount
    status: InstalmentStatus
    paid_on: date | None = None
    paid_by: str | None = Field(default=None, description="borrower | fund")
    was_late: bool = False
    settled_on: date | None = Field(
        default=None, description="The day the trust or the borrower actually paid it"
    )
    recorded_on: date | None = Field(default=None, description="The day credit learnt of it")
    days_late: int | None = Field(default=None, description="settled_on - due_date, at least 0")
    replenished_on: date | None = Field(
        default=None, description="Fund-paid only: when the borrower paid the fund back"
    )
    borrower_on_time: bool | None = Field(
        default=None,
        description="The borrower's own conduct: paid, or paid the fund back, on time [¶84]",
    )
    payee: str | None = Field(
        default=None, description="The lender paid: the lender of record on the due date [¶83]"
    )


class LoanPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0194f2a1-9d4f-7c5e-8b2a-4a6d3c8e9f01",
                    "version": 3,
                    "group_id": "0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90",
                    "state": "20",
                    "line_id": "0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90",
                    "borrower_kind": "participant",
                    "borrower_id": "0194f2a1-6b2d-7a3c-8f0e-2e4b1a6c7d80",
                    "amount": "25000.00",
                    "purpose": "a second oven for the bakery",
                    "term_months": 12,
                    "method": "french",
                    "lender": "NAFIN",
                    "applied_on": "2027-03-02",
                    "status": "active",
                    "lender_approved": True,
                    "annual_rate": "0.12",
                    "disbursed_on": "2027-03-09",
                    "instalments": [],
                    "outstanding_principal": "25000.00",
                    "days_past_due": 0,
                }
            ]
        }
    )

    id: str
    version: int
    group_id: str
    state: str | None
    line_id: str
    borrower_kind: str
    borrower_id: str
    amount: MoneyAmount
    purpose: str
    term_months: int
    business_plan_id: str | None = None
    method: AmortizationMethod
    lender: str
    applied_on: date
    status: LoanStatus
    board_approved_by: str | None = None
    lender_approved: bool
    annual_rate: Rate | None = None
    disbursed_on: date | None = None
    instalments: list[InstalmentPublic]
    repaid_on: date | None = None
    on_time: bool | None = None
    lenders: list[LenderOfRecordPublic] = Field(
        default_factory=list, description="Every lender of record, from its day [¶83, ¶90]"
    )
    outstanding_principal: MoneyAmount
    days_past_due: int | None = Field(
        default=None, description="Days the oldest unpaid instalment is past due (reads only)"
    )

    @classmethod
    def of(cls, loan: Loan, days_past_due: int | None = None) -> LoanPublic:
        data = loan.model_dump(exclude={"applied", "instalments"})
        instalments = [InstalmentPublic(**i.model_dump(), total=i.total) for i in loan.instalments]
        return cls(
            **data,
            instalments=instalments,
            outstanding_principal=loan.outstanding_principal,
            days_past_due=days_past_due,
        )

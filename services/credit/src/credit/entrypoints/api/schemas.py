from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from credit.domain.schedule import AmortizationMethod
from megp_common.money import LoanAmount, MoneyAmount, PaymentAmount, PriceAmount, Share
from megp_common.schemas import RequestModel


class LoanCreate(RequestModel):
    group_id: str
    borrower_kind: Literal["odf", "participant"]
    borrower_id: str = Field(description="The ODF id, or the member's participant id")
    amount: LoanAmount
    purpose: str = Field(min_length=3, max_length=300)
    term_months: int = Field(ge=1, le=120)
    business_plan_id: str | None = None
    method: AmortizationMethod = AmortizationMethod.FRENCH


class Rejection(RequestModel):
    reason: str = Field(min_length=3, max_length=500)


class DirectPayment(RequestModel):
    amount: PaymentAmount


class LeaseCreate(RequestModel):
    group_id: str
    asset: str = Field(min_length=3, max_length=200)
    loan_id: str | None = Field(default=None, description="The loan the ODF bought it with")
    lessee_id: str
    rent: PaymentAmount
    term_months: int = Field(ge=1, le=120)
    first_due: date
    purchase_price: PriceAmount = Field(default=Decimal("1.00"))


class LeaseTransfer(RequestModel):
    to_participant_id: str


class PortfolioRow(BaseModel):
    key: str
    outstanding_principal: MoneyAmount
    par30: Share = Field(description="Share (0-1) of principal more than 30 days past due")
    buckets: dict[str, MoneyAmount]

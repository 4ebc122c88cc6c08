"""Leases of fixed assets to members [¶91-¶93]."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from credit.domain.commands import SignLease
from credit.domain.lease import Lease, LeaseStatus
from megp_common.money import MoneyAmount, PaymentAmount, PriceAmount
from megp_common.schemas import RequestModel


class LeaseCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "group_id": "0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90",
                    "asset": "industrial sewing machine",
                    "lessee_id": "0194f2a1-6b2d-7a3c-8f0e-2e4b1a6c7d80",
                    "rent": "850.00",
                    "term_months": 18,
                    "first_due": "2027-05-01",
                }
            ]
        },
    )

    group_id: str = Field(min_length=1, max_length=100)
    asset: str = Field(min_length=3, max_length=200)
    loan_id: str | None = Field(
        default=None, max_length=100, description="The loan the ODF bought it with"
    )
    lessee_id: str = Field(min_length=1, max_length=100)
    rent: PaymentAmount
    term_months: int = Field(ge=1, le=120)
    first_due: date
    purchase_price: PriceAmount = Field(default=Decimal("1.00"))

    def command(self) -> SignLease:
        return SignLease(
            group_id=self.group_id,
            asset=self.asset,
            lessee_id=self.lessee_id,
            rent=self.rent,
            term_months=self.term_months,
            first_due=self.first_due,
            purchase_price=self.purchase_price,
            loan_id=self.loan_id,
        )


class LeaseTransfer(RequestModel):
    to_participant_id: str = Field(min_length=1, max_length=100)


class RentPublic(BaseModel):
    number: int
    due_date: date
    amount: MoneyAmount
    announced: bool = False
    paid_on: date | None = None
    paid_by: str | None = None


class TenurePublic(BaseModel):
    participant_id: str
    since: date
    until: date | None = None
    ended_because: str | None = None


class LeasePublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0194f2a1-aa11-7b22-8c33-4d44e55f6607",
                    "version": 1,
                    "group_id": "0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90",
                    "state": "20",
                    "odf_id": "0194f2a1-8a1b-7c2d-9e3f-1a2b3c4d5e6f",
                    "asset": "industrial sewing machine",
                    "rent": "850.00",
                    "term_months": 18,
                    "purchase_price": "1.00",
                    "status": "active",
                    "rents": [],
                    "lessees": [],
                    "lessee_id": "0194f2a1-6b2d-7a3c-8f0e-2e4b1a6c7d80",
                }
            ]
        }
    )

    id: str
    version: int
    group_id: str
    state: str | None
    odf_id: str
    asset: str
    loan_id: str | None = None
    rent: MoneyAmount
    term_months: int
    purchase_price: MoneyAmount
    status: LeaseStatus
    rents: list[RentPublic]
    lessees: list[TenurePublic]
    lessee_id: str

    @classmethod
    def of(cls, lease: Lease) -> LeasePublic:
        return cls.model_validate(
            lease.model_dump(exclude={"applied"}) | {"lessee_id": lease.lessee_id}
        )

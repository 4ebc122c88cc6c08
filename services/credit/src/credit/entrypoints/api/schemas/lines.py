"""A group's revolving credit line and its reviews [¶79-¶84]."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from credit.domain.line import CreditLine
from credit.entrypoints.api.schemas.lenders import LenderOfRecordPublic, TakeoverOfferPublic
from megp_common.money import MoneyAmount


class ReviewPublic(BaseModel):
    reviewed_on: date
    outcome: str
    previous_limit: MoneyAmount
    limit: MoneyAmount
    reason: str


class LinePublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90",
                    "version": 2,
                    "state": "20",
                    "odf_id": "0194f2a1-8a1b-7c2d-9e3f-1a2b3c4d5e6f",
                    "lender": "NAFIN",
                    "initial_deposit": "12000.00",
                    "limit": "24000.00",
                    "cap": "120000.00",
                    "opened_on": "2027-01-31",
                    "next_review_on": "2027-07-31",
                    "reviews": [],
                    "available": "24000.00",
                }
            ]
        }
    )

    id: str
    version: int
    state: str | None
    odf_id: str | None
    lender: str
    initial_deposit: MoneyAmount
    limit: MoneyAmount
    cap: MoneyAmount
    opened_on: date
    next_review_on: date
    reviews: list[ReviewPublic]
    review_waits_for: list[str] = Field(
        default_factory=list,
        description="Instalments (loan#number) the due review waits for funds to answer",
    )
    available: MoneyAmount
    lenders: list[LenderOfRecordPublic] = Field(
        default_factory=list,
        description="Every lender of record with its from-date; an entry not `announced` is a "
        "takeover agreed for a later day [¶83, ¶90]",
    )
    takeover_offer: TakeoverOfferPublic | None = Field(
        default=None, description="A bank's offer to take the line over, awaiting consent"
    )

    @classmethod
    def of(cls, line: CreditLine, available: object) -> LinePublic:
        return cls.model_validate(line.model_dump(exclude={"applied"}) | {"available": available})

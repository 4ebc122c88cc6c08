"""What callers ask of credit, as typed commands: the routes parse a request into one of these
and the service layer carries it out, so nothing reaches the domain as a loose dict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from credit.domain.schedule import AmortizationMethod


@dataclass(frozen=True, slots=True)
class ApplyForLoan:
    """A loan on the group's line, for its ODF or for one of its members [¶79-¶84]."""

    group_id: str
    borrower_kind: Literal["odf", "participant"]
    borrower_id: str
    amount: Decimal
    purpose: str
    term_months: int
    business_plan_id: str | None = None
    method: AmortizationMethod = AmortizationMethod.FRENCH


@dataclass(frozen=True, slots=True)
class CompleteFinancing:
    """The ODF completes a purchasing round's financing request into a loan application."""

    request_id: str
    term_months: int
    business_plan_id: str | None = None
    method: AmortizationMethod = AmortizationMethod.FRENCH


@dataclass(frozen=True, slots=True)
class RejectLoan:
    loan_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class PayInstalment:
    """The borrower pays an instalment directly, its exact total [¶89]."""

    loan_id: str
    number: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class SignLease:
    """The ODF leases a fixed asset to a member of its group [¶91]."""

    group_id: str
    asset: str
    lessee_id: str
    rent: Decimal
    term_months: int
    first_due: date
    purchase_price: Decimal
    loan_id: str | None = None


@dataclass(frozen=True, slots=True)
class PayRent:
    lease_id: str
    number: int


@dataclass(frozen=True, slots=True)
class TransferLease:
    """Another member of the group takes over a lease in default [¶93]."""

    lease_id: str
    to_participant_id: str


@dataclass(frozen=True, slots=True)
class OfferTakeover:
    """A partner bank offers to take a group's line over from a day [¶83, ¶90]."""

    group_id: str
    lender: str
    effective_on: date

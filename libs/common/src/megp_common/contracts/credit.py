"""Events published by the credit service on `credit.events`.

Only the payloads other services already consume are defined so far; the credit service owns
this module and will publish them (key: the project group id).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from megp_common.events import EventPayload, event_type
from megp_common.money import MoneyAmount


@event_type("credit.InstallmentDue")
class InstallmentDue(EventPayload):
    """A loan instalment falls due on `due_date`. Consumed by funds: the trust pays it from the
    group's Competition and Development Fund [¶75-¶76] on that date (at once when the date has
    passed) and announces `funds.FundRepaymentMade` or `funds.FundRepaymentFailed`.

    (loan_id, installment_number) identifies the instalment: announcing it twice pays it once.
    """

    loan_id: str
    installment_number: int = Field(ge=1)
    group_id: str = Field(description="The borrowing group (the fund that pays)")
    odf_id: str | None = None
    borrower_kind: str = Field(description="odf | participant")
    borrower_id: str = Field(description="The ODF id or the participant id")
    due_date: date
    principal: MoneyAmount
    interest: MoneyAmount
    total: MoneyAmount = Field(description="principal + interest")
    currency: str = "MXN"
    lender: str | None = Field(default=None, description="NAFIN or the partner bank")
    state_code: str | None = None


class _CreditEvent(EventPayload):
    group_id: str
    state_code: str | None = None


@event_type("credit.CreditLineOpened")
class CreditLineOpened(_CreditEvent):
    """A revolving line for the group and its ODF at twice the first three months' deposits."""

    line_id: str
    odf_id: str | None = None
    lender: str
    initial_deposit: MoneyAmount
    limit: MoneyAmount
    cap: MoneyAmount = Field(description="64 x the initial deposit [¶80]")
    next_review_on: date


@event_type("credit.CreditLineReviewed")
class CreditLineReviewed(_CreditEvent):
    line_id: str
    outcome: str = Field(description="doubled | held | halved")
    previous_limit: MoneyAmount
    limit: MoneyAmount
    reason: str
    reviewed_on: date
    next_review_on: date


@event_type("credit.CreditLineTakenOver")
class CreditLineTakenOver(_CreditEvent):
    """A partner bank became the line's lender of record from `effective_on` [¶83, ¶90]: the
    risk of the line and of every loan drawn on it moved from `previous_lender` to `lender`,
    which receives the instalments falling due from that day on. Announced on that day."""

    line_id: str
    previous_lender: str
    lender: str = Field(description="The new lender of record")
    effective_on: date
    agreed_on: date = Field(description="The day the previous lender consented")
    loan_ids: list[str] = Field(
        default_factory=list, description="The loans not yet repaid that moved with the line"
    )


class _LoanEvent(_CreditEvent):
    loan_id: str
    line_id: str
    borrower_kind: str = Field(description="odf | participant")
    borrower_id: str


@event_type("credit.LoanApplied")
class LoanApplied(_LoanEvent):
    amount: MoneyAmount
    purpose: str
    term_months: int
    business_plan_id: str | None = None
    applied_on: date


@event_type("credit.LoanApproved")
class LoanApproved(_LoanEvent):
    """Both the group's board and the lender approved."""

    board_representative_id: str
    lender: str
    approved_on: date


@event_type("credit.LoanRejected")
class LoanRejected(_LoanEvent):
    reason: str
    rejected_by: str
    rejected_on: date


class InstalmentLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    due_date: date
    principal: MoneyAmount
    interest: MoneyAmount


@event_type("credit.LoanDisbursed")
class LoanDisbursed(_LoanEvent):
    amount: MoneyAmount
    annual_rate: Decimal = Field(description="Fixed annual rate, e.g. 0.1200")
    method: str = Field(description="french | equal_principal")
    day_count: str = "30/360"
    lender: str
    disbursed_on: date
    schedule: list[InstalmentLine]


@event_type("credit.InstallmentPaid")
class InstallmentPaid(_LoanEvent):
    installment_number: int
    amount: MoneyAmount
    paid_by: str = Field(description="fund | borrower")
    paid_on: date
    days_late: int = 0


@event_type("credit.InstallmentOverdue")
class InstallmentOverdue(_LoanEvent):
    installment_number: int
    amount: MoneyAmount
    due_date: date
    reason: str


@event_type("credit.LoanRepaid")
class LoanRepaid(_LoanEvent):
    amount: MoneyAmount
    repaid_on: date
    on_time: bool = Field(description="No instalment was ever late: sets the 1.5 x eligibility")


class _LeaseEvent(_CreditEvent):
    lease_id: str
    odf_id: str
    asset: str
    lessee_id: str = Field(description="The member currently leasing the asset")


@event_type("credit.LeaseSigned")
class LeaseSigned(_LeaseEvent):
    """The ODF leases a fixed asset it bought with a loan to a member [¶91-¶92]."""

    loan_id: str | None = None
    rent: MoneyAmount
    term_months: int
    first_due: date
    purchase_price: MoneyAmount = Field(description="The symbolic price of the purchase option")
    signed_on: date


@event_type("credit.LeaseRentDue")
class LeaseRentDue(_LeaseEvent):
    rent_number: int
    amount: MoneyAmount
    due_date: date


@event_type("credit.LeaseRentPaid")
class LeaseRentPaid(_LeaseEvent):
    rent_number: int
    amount: MoneyAmount
    paid_on: date


@event_type("credit.LeaseDefaulted")
class LeaseDefaulted(_LeaseEvent):
    unpaid_rents: list[int]
    days_past_due: int
    defaulted_on: date


@event_type("credit.LeaseTransferred")
class LeaseTransferred(_LeaseEvent):
    """The asset and its remaining rents pass to another member who accepted them [¶93]."""

    previous_lessee_id: str
    remaining_rents: list[int]
    rents_already_paid: int = Field(description="They stay credited to the asset")
    transferred_on: date


@event_type("credit.LeaseCompleted")
class LeaseCompleted(_LeaseEvent):
    """The lessee exercised the purchase option and owns the asset."""

    purchase_price: MoneyAmount
    completed_on: date

"""Events published by the funds service on `funds.events`.

Key of every message: the project group id (a fund's id is its group's id). `state` on the
envelope and `state_code` in the payload: the INEGI code of the group's federal entity.

Money: decimal strings in MXN, rounded half-even to the centavo (a foreign-currency inflow also
carries its original amount, currency and the rate it was converted at). Dates: ISO `YYYY-MM-DD`.
Every movement of money names the journal entry that posted it (`entry_id`), so a consumer can
read the entry through the funds API and can drop a duplicate by it.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from megp_common.events import EventPayload, event_type
from megp_common.money import MoneyAmount


class _FundEvent(EventPayload):
    fund_id: str
    group_id: str
    state_code: str | None = None


@event_type("funds.FundOpened")
class FundOpened(_FundEvent):
    odf_id: str
    trust_bank: str = Field(description="The commercial bank holding the fund in trust [¶75]")
    member_participant_ids: list[str]
    opened_at: datetime
    initial_period_ends_on: date = Field(
        description="End of the fund's third month (the credit line's basis is measured to it)"
    )
    individual_withdrawals_from: date = Field(description="First day of the fund's fourth year")


class SubFundSplit(BaseModel):
    """How an amount went into (or out of) the two sub-funds."""

    model_config = ConfigDict(frozen=True)

    development: MoneyAmount
    competition: MoneyAmount


class MemberAmount(BaseModel):
    model_config = ConfigDict(frozen=True)

    participant_id: str
    amount: MoneyAmount


@event_type("funds.InflowRecorded")
class InflowRecorded(_FundEvent):
    """A registered inflow and its 50/50 split [¶72]."""

    entry_id: str
    inflow_kind: str = Field(description="grant | temporary_contribution | member_deposit")
    amount: MoneyAmount = Field(description="In MXN")
    currency: str = "MXN"
    split: SubFundSplit
    donor: str | None = None
    source: str | None = Field(
        default=None, description="local | national | international | immigrant_association"
    )
    original_amount: MoneyAmount | None = Field(
        default=None, description="The amount as received, before conversion"
    )
    original_currency: str | None = None
    exchange_rate: MoneyAmount | None = Field(
        default=None, description="MXN per unit of the original currency, as given"
    )
    return_due_on: date | None = Field(default=None, description="Temporary contributions only")
    members: list[MemberAmount] = Field(
        default_factory=list, description="Member deposits: one line per member"
    )
    recorded_at: datetime
    bank_transaction_id: str | None = Field(
        default=None,
        description="A deposit the fund's trust bank reported: the bank's transaction id, "
        "also the movement's reference on the trust account's statement",
    )
    donation_id: str | None = Field(
        default=None, description="The donors service's donation this inflow books"
    )
    pledge_id: str | None = Field(
        default=None, description="The donors service's matching pledge this inflow books"
    )


@event_type("funds.TemporaryContributionReturned")
class TemporaryContributionReturned(_FundEvent):
    entry_id: str
    inflow_entry_id: str
    donor: str
    amount: MoneyAmount
    split: SubFundSplit
    returned_at: datetime


class NewObligation(BaseModel):
    model_config = ConfigDict(frozen=True)

    obligation_id: str = Field(description="The business period result's id")
    participant_id: str
    amount: MoneyAmount


@event_type("funds.DepositObligationsCreated")
class DepositObligationsCreated(_FundEvent):
    """Members owe the fund 10 % of a period's new revenue [¶71]: one event for what one closed
    period result (a member's) or one group closing (every member's) creates, not one per
    member, so a national month is a few hundred events rather than tens of thousands."""

    period_start: date
    period_end: date
    due_on: date
    obligations: list[NewObligation]
    total: MoneyAmount


class ObligationSettlement(BaseModel):
    model_config = ConfigDict(frozen=True)

    obligation_id: str
    participant_id: str
    settled_now: MoneyAmount
    settled_total: MoneyAmount
    outstanding: MoneyAmount
    fully_settled: bool


@event_type("funds.DepositObligationsSettled")
class DepositObligationsSettled(_FundEvent):
    """What one posted deposit (a member's, or a whole deposit sheet) settled: one line per
    obligation it reached, oldest first per member."""

    entry_id: str
    settlements: list[ObligationSettlement]


@event_type("funds.CompetitionSpendApproved")
class CompetitionSpendApproved(_FundEvent):
    entry_id: str
    purpose: str
    amount: MoneyAmount
    payee: str
    description: str
    approved_by: str = Field(description="Participant id of the board representative [¶55]")
    competition_balance: MoneyAmount = Field(description="The sub-fund's balance afterwards")


@event_type("funds.DevelopmentWithdrawalMade")
class DevelopmentWithdrawalMade(_FundEvent):
    entry_id: str
    participant_id: str
    purpose: str
    amount: MoneyAmount
    share_before: MoneyAmount = Field(description="What the member could draw before [¶74]")
    share_after: MoneyAmount


@event_type("funds.FundRepaymentMade")
class FundRepaymentMade(_FundEvent):
    """The trust paid a loan instalment from the fund [¶76]; the borrower owes it back."""

    entry_id: str
    loan_id: str
    installment_number: int
    borrower_kind: str = Field(description="odf | participant")
    borrower_id: str
    amount: MoneyAmount
    principal: MoneyAmount
    interest: MoneyAmount
    paid_from: SubFundSplit
    borrower_owes: MoneyAmount = Field(description="All the borrower owes the fund now")
    paid_at: datetime
    lender: str | None = Field(
        default=None, description="Who the trust paid: the lender of record on the due date"
    )


@event_type("funds.FundRepaymentFailed")
class FundRepaymentFailed(_FundEvent):
    """The fund could not cover the instalment; it paid nothing."""

    loan_id: str
    installment_number: int
    borrower_kind: str
    borrower_id: str
    amount: MoneyAmount
    available: MoneyAmount = Field(description="What the sub-funds could have paid")
    reason: str
    failed_at: datetime


@event_type("funds.ReplenishmentReceived")
class ReplenishmentReceived(_FundEvent):
    entry_id: str
    borrower_id: str
    amount: MoneyAmount
    restored_to: SubFundSplit
    still_owed: MoneyAmount
    received_at: datetime


@event_type("funds.NonFulfillmentNoticeIssued")
class NonFulfillmentNoticeIssued(_FundEvent):
    """The ODF board's notice of non-fulfillment [¶77], issued to the group's members."""

    notice_id: str
    borrower_kind: str
    borrower_id: str
    owed: MoneyAmount
    unreplenished_since: date
    grace_days: int
    member_participant_ids: list[str]
    issued_at: datetime


@event_type("funds.FundInitialPeriodClosed")
class FundInitialPeriodClosed(_FundEvent):
    """End of the fund's third month: credit opens the line at twice the deposits [¶79]."""

    odf_id: str
    period_start: date
    period_end: date
    total_deposited: MoneyAmount = Field(description="Members' deposits in the period")
    other_inflows: MoneyAmount = Field(
        description="Grants and temporary contributions in the period (not part of the basis)"
    )
    currency: str = "MXN"
    closed_at: datetime


@event_type("funds.EntryReversed")
class EntryReversed(_FundEvent):
    """A correction: an entry posted by mistake is undone by its mirror image; the original
    stays in the journal, nothing is edited or deleted."""

    entry_id: str = Field(description="The reversing entry")
    reverses: str = Field(description="The entry it undoes")
    reversed_kind: str
    amount: MoneyAmount
    split: SubFundSplit
    reason: str
    reversed_at: datetime
    donation_id: str | None = Field(default=None, description="A donation's refund: its donation")
    refund_id: str | None = Field(default=None, description="The donors service's refund")


@event_type("funds.DonorMovementRefused")
class DonorMovementRefused(_FundEvent):
    """Funds could not book what the donors service asked (a donation, a refund, a pledge's
    payment): nothing was posted, and this says why (a fund not open, a sub-fund that no
    longer holds its half of a refund)."""

    movement: str = Field(description="donation | refund | pledge")
    reference_id: str = Field(description="The donation, refund or pledge id")
    donation_id: str
    reason: str
    available: SubFundSplit | None = Field(
        default=None, description="A refused refund: what each sub-fund held"
    )
    refused_at: datetime

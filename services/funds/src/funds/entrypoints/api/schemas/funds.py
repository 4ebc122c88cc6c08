"""Request and response bodies of the funds API. Amounts are decimal strings (MXN unless said)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from funds.domain.bank_deposits import TRANSACTION_ID_PATTERN
from funds.domain.calendar import to_amount
from funds.domain.ledger import Balances, Entry
from funds.domain.policy import InflowSource
from funds.domain.spending_requests import SpendingRequest
from megp_common.money import (
    ContributionAmount,
    CurrencyCode,
    ExchangeRate,
    MoneyAmount,
    PaymentAmount,
)
from megp_common.schemas import RequestModel

ID_PATTERN = r"^[A-Za-z0-9_\-]{1,100}$"


_Body = RequestModel


class ContributionCreate(_Body):
    """A grant, or a temporary contribution when `return_due_on` is given [¶53-¶54, ¶71]."""

    donor: str = Field(min_length=1, max_length=200, examples=["Club Zacatecano de Chicago"])
    source: InflowSource
    amount: ContributionAmount
    currency: CurrencyCode = "MXN"
    exchange_rate: ExchangeRate | None = Field(
        default=None, description="MXN per unit of `currency`; required when it is not MXN"
    )
    return_due_on: date | None = Field(
        default=None, description="Temporary contributions only: when it must be given back"
    )


class DepositLine(_Body):
    participant_id: str = Field(pattern=ID_PATTERN)
    amount: PaymentAmount
    obligation_id: str | None = Field(
        default=None, description="The obligation it settles; default: the oldest open ones"
    )


class DepositSheetCreate(_Body):
    """A group's monthly sheet: one journal entry with a line per member."""

    deposits: list[DepositLine] = Field(min_length=1, max_length=500)


class CompetitionSpendCreate(_Body):
    purpose: str = Field(
        description="One of the purposes listed after ¶72", examples=["market_studies"]
    )
    amount: PaymentAmount
    payee: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=500)


class WithdrawalCreate(_Body):
    purpose: str = Field(description="One of the five uses of ¶73", examples=["housing"])
    amount: PaymentAmount


class ReplenishmentCreate(_Body):
    borrower_id: str = Field(pattern=ID_PATTERN)
    amount: PaymentAmount


class LinePublic(BaseModel):
    account: str
    side: str
    amount: MoneyAmount
    currency: str
    participant_id: str | None = None


class EntryPublic(BaseModel):
    id: str
    fund_id: str
    seq: int
    kind: str
    posted_at: datetime
    effective_on: date
    description: str
    lines: list[LinePublic]
    metadata: dict[str, str]
    reverses: str | None = None

    @classmethod
    def of(cls, entry: Entry) -> EntryPublic:
        return cls(
            id=entry.id,
            fund_id=entry.fund_id,
            seq=entry.seq,
            kind=entry.kind.value,
            posted_at=entry.posted_at,
            effective_on=entry.effective_on,
            description=entry.description,
            lines=[
                LinePublic(
                    account=line.account,
                    side=line.side.value,
                    amount=to_amount(line.cents),
                    currency=line.currency,
                    participant_id=line.participant_id,
                )
                for line in entry.lines
            ],
            metadata=entry.metadata,
            reverses=entry.reverses,
        )


class JournalPage(BaseModel):
    items: list[EntryPublic]
    next_cursor: str | None = None


def amounts(balances: Balances) -> dict[str, dict[str, MoneyAmount]]:
    return {
        currency: {account: to_amount(c) for account, c in sorted(accounts.items()) if c}
        for currency, accounts in balances.items()
    }


class FundPublic(BaseModel):
    fund_id: str
    group_id: str
    odf_id: str | None
    name: str | None
    state_code: str | None
    trust_bank: str | None
    opened_at: datetime | None
    members: list[str]
    board_representatives: list[str]
    version: int


class StatementPublic(BaseModel):
    fund_id: str
    at: datetime
    balances: dict[str, dict[str, MoneyAmount]] = Field(
        description="currency -> account -> balance on the account's normal side"
    )
    development_subfund: MoneyAmount
    competition_subfund: MoneyAmount
    trust_cash: MoneyAmount


class ObligationPublic(BaseModel):
    obligation_id: str
    participant_id: str
    period_start: date
    period_end: date
    due_on: date
    amount: MoneyAmount
    settled: MoneyAmount
    outstanding: MoneyAmount
    overdue: bool
    replaced_by: str | None = None


class MemberPublic(BaseModel):
    participant_id: str
    active: bool
    contributed: MoneyAmount
    share_of_deposits: str = Field(description="Their deposits / all deposits, as a fraction")
    withdrawn: MoneyAmount
    can_withdraw_now: MoneyAmount
    withdrawals_from: date | None
    obligations: list[ObligationPublic]
    deposit_reference: str | None = Field(
        default=None,
        description="The reference to give at the trust bank's counter when depositing",
    )


class DebtPublic(BaseModel):
    borrower_id: str
    borrower_kind: str
    owed: MoneyAmount
    unreplenished_since: date | None
    notice_issued: bool


class NoticePublic(BaseModel):
    notice_id: str
    borrower_kind: str
    borrower_id: str
    owed: MoneyAmount
    unreplenished_since: date
    issued_on: date


class LedgerCheckPublic(BaseModel):
    entries: int
    consistent: bool
    differences: list[str]
    missing_sequence_numbers: list[int]


class StateSummary(BaseModel):
    state_code: str
    funds: int
    trust_cash: MoneyAmount
    development_subfund: MoneyAmount
    competition_subfund: MoneyAmount
    temporary_contributions_to_return: MoneyAmount
    owed_by_borrowers: MoneyAmount


class SpendingRequestPublic(BaseModel):
    """An IMPI fee the inventors asked the Competition Sub-Fund to pay (through ip-counsel)."""

    id: str
    version: int
    fund_id: str
    state: str | None
    filing_id: str
    disclosure_id: str
    deadline_id: str
    kind: str = Field(description="The IMPI fee's kind, as ip-counsel names it")
    asked_purpose: str | None = Field(description="The purpose as ip-counsel named it")
    purpose: str | None = Field(description="The Competition Sub-Fund purpose [¶72] it maps to")
    amount: MoneyAmount
    currency: str
    due_on: date
    requested_by: str
    requested_on: date
    status: str = Field(description="pending | approved | refused")
    refusal: str | None = Field(default=None, description="Why funds could not take it")
    entry_id: str | None = Field(default=None, description="The spend posted on approval")
    approved_by: str | None = None
    approved_on: date | None = None

    @classmethod
    def of(cls, request: SpendingRequest) -> SpendingRequestPublic:
        return cls.model_validate(request.model_dump(mode="json", exclude={"applied"}))


class MovementPublic(BaseModel):
    """One movement of the trust account: a journal entry that moved trust cash."""

    entry_id: str
    seq: int
    reference: str = Field(
        description="The movement's reference on the camt.053 (AcctSvcrRef): the entry id's hex "
        "digits, or the bank's transaction id for a deposit the bank reported"
    )
    value_date: date
    booking_date: date
    direction: str = Field(description="`credit`: money into the trust account; `debit`: out")
    amount: MoneyAmount
    kind: str
    description: str
    counterpart: str | None


class BankStatementPublic(BaseModel):
    """The trust account of a fund for a period, as its trust bank keeps it."""

    fund_id: str
    trust_bank: str | None
    currency: str
    start: date
    end: date
    opening_balance: MoneyAmount
    closing_balance: MoneyAmount
    total_credits: MoneyAmount
    total_debits: MoneyAmount
    movements: list[MovementPublic]


class BankStatementUpload(_Body):
    """A trust bank's own statement of the fund's trust account."""

    document: str = Field(
        min_length=1,
        max_length=5_000_000,
        description="The camt.053 XML document (.001.08 or .001.02), as text (UTF-8)",
    )


class UnmatchedPublic(BaseModel):
    side: str = Field(description="`bank`: on the bank's statement only; `journal`: ours only")
    reference: str | None
    amount_cents: int
    direction: str
    value_date: date
    reason: str
    position: int | None = Field(description="The bank entry's position in its document")
    entry_id: str | None = Field(description="The journal entry's id")


class ReconciliationPublic(BaseModel):
    """A stored reconciliation: the same document uploaded again answers the same."""

    reconciliation_id: str
    fund_id: str
    message: str | None = Field(
        default=None, description="The document's ISO 20022 message, e.g. camt.053.001.02"
    )
    version: int = Field(description="1 for the fund's first statement uploaded, then 2, ...")
    sha256: str
    uploaded_at: datetime
    start: date
    end: date
    entries: int
    clean: bool
    matched: list[str]
    unmatched: list[UnmatchedPublic]
    balance_differences: list[str]


# -- deposits the trust bank reports (domain/bank_deposits.py) --------------------------------


class BankDepositReport(_Body):
    """One deposit a member paid at a branch or a correspondent, as the trust bank booked it."""

    bank_transaction_id: str = Field(
        pattern=TRANSACTION_ID_PATTERN,
        description="The bank's own id of the transaction (its AcctSvcrRef): the same id is "
        "the same deposit, posted once",
        examples=["BNMX2026120100001234"],
    )
    reference: str = Field(
        pattern=r"^[0-9]{11}$",
        description="The member's deposit reference, as on their deposit slip "
        "(`/deposit-references`)",
        examples=["12345678906"],
    )
    amount: PaymentAmount
    currency: CurrencyCode = Field(default="MXN", description="The trust account's: MXN")
    value_date: date = Field(description="The day the member paid (the bank's value date)")


class BankDepositOutcome(BaseModel):
    """What became of one reported transaction."""

    outcome: str = Field(description="`settled` | `already_reported` | `refused`")
    bank_transaction_id: str | None
    deposit_reference: str | None
    amount: MoneyAmount
    value_date: date | None
    position: str | None = Field(
        default=None, description="camt.054 only: notification.entry[.transaction], from 1"
    )
    reason: str | None = Field(default=None, description="Why it was refused")
    entry_id: str | None = Field(default=None, description="The journal entry that posted it")
    participant_id: str | None = None


class DepositNotificationUpload(_Body):
    """The trust bank's camt.054 of deposits booked on the fund's trust account."""

    document: str = Field(
        min_length=1,
        max_length=5_000_000,
        description="The camt.054.001.08 XML document, as text (UTF-8), at most 5 MB",
    )


class DepositNotificationResult(BaseModel):
    message_id: str = Field(description="The notification's GrpHdr/MsgId")
    transactions: int
    settled: int
    already_reported: int
    refused: int
    outcomes: list[BankDepositOutcome] = Field(description="One per transaction, in order")


class DepositReferencePublic(BaseModel):
    participant_id: str
    deposit_reference: str = Field(description="11 digits, the last two check digits")
    active: bool


class DepositReferences(BaseModel):
    """What the trust bank needs to credit a member's deposit: no CURP, no personal data."""

    fund_id: str
    account_id: str = Field(description="The trust account's id on camt documents")
    members: list[DepositReferencePublic]


class ReconciliationPage(BaseModel):
    items: list[ReconciliationPublic] = Field(description="Newest first")
    next_cursor: str | None = None

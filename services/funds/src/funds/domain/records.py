"""What a fund keeps besides its balances: members, their memo accounts, obligations, debts,
schedules and notices."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class Member(BaseModel):
    participant_id: str
    active: bool = True


class MemoAccounts(BaseModel):
    """One member's or borrower's memo accounts (`member_contributions:<id>`,
    `member_withdrawals:<id>`, `borrower_owes:<id>`): currency -> account -> balance, as in
    `Fund.balances`. Replaced whole when an entry moves one of them, never changed in place
    (the fund's storage finds what a commit changed by comparing records)."""

    model_config = ConfigDict(frozen=True)

    person_id: str
    balances: dict[str, dict[str, int]] = {}


class Obligation(BaseModel):
    """A member's deposit of 10 % of a period's new revenue [¶71], keyed by the period result."""

    obligation_id: str
    participant_id: str
    period_start: date
    period_end: date
    created_on: date
    due_on: date
    amount_cents: int
    settled_cents: int = 0
    replaced_by: str | None = None

    @property
    def outstanding_cents(self) -> int:
        if self.replaced_by is not None:
            return 0
        return max(0, self.amount_cents - self.settled_cents)

    def is_overdue(self, today: date) -> bool:
        return self.outstanding_cents > 0 and today > self.due_on


class TemporaryContribution(BaseModel):
    entry_id: str
    donor: str
    source: str
    amount_cents: int
    development_cents: int
    competition_cents: int
    received_on: date
    return_due_on: date
    returned_entry_id: str | None = None


class BorrowerDebt(BaseModel):
    """What the fund paid for one borrower's instalments and was not replenished yet [¶77].

    `drawn` remembers which sub-fund paid what, so a replenishment refills them."""

    borrower_id: str
    borrower_kind: str
    owed_cents: int = 0
    drawn_development_cents: int = 0
    drawn_competition_cents: int = 0
    since: date | None = None
    notice_issued: bool = False


class ScheduledInstalment(BaseModel):
    """An instalment announced before its due date: the scheduler pays it on the day."""

    key: str
    loan_id: str
    installment_number: int
    borrower_kind: str
    borrower_id: str
    due_on: date
    principal_cents: int
    interest_cents: int
    lender: str | None = None  # the payee: credit's lender of record on the due date


class Notice(BaseModel):
    notice_id: str
    borrower_kind: str
    borrower_id: str
    owed_cents: int
    unreplenished_since: date
    issued_on: date

"""A trust fund's statement for a period, as its trust bank sees the account: the trust cash.

Pure: built from the fund's journal entries alone. A movement is an entry with a `trust_cash`
line; its value date is the entry's `effective_on`, its booking date the day it was posted, its
reference the entry's (or the bank's transaction id for a deposit the bank reported).
The period selects entries by value date, both ends included. Opening balance: every movement
valued before the first day; closing: opening plus the period's movements, so the statement
always adds up (property-tested).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from funds.domain import accounts as acc
from funds.domain.errors import InvalidInput
from funds.domain.ledger import Entry, effect

MAX_PERIOD_DAYS = 366
"""The longest period one statement covers (both ends counted)."""

CURRENCY = "MXN"


class Direction(StrEnum):
    CREDIT = "credit"  # money into the trust account (the bank credits it)
    DEBIT = "debit"  # money out of it


@dataclass(frozen=True)
class Movement:
    entry_id: str
    seq: int
    reference: str
    value_date: date
    booking_date: date
    cents: int
    direction: Direction
    kind: str
    description: str
    counterpart: str | None


@dataclass(frozen=True)
class TrustStatement:
    fund_id: str
    trust_bank: str | None
    currency: str
    start: date
    end: date
    opening_cents: int
    closing_cents: int
    movements: tuple[Movement, ...]

    @property
    def credits_cents(self) -> int:
        return sum(m.cents for m in self.movements if m.direction is Direction.CREDIT)

    @property
    def debits_cents(self) -> int:
        return sum(m.cents for m in self.movements if m.direction is Direction.DEBIT)


def check_period(start: date, end: date) -> None:
    """422 unless `start` <= `end` and the period is at most MAX_PERIOD_DAYS long."""
    if start > end:
        raise InvalidInput(
            f"the period starts ({start}) after it ends ({end})", start=str(start), end=str(end)
        )
    if end - start >= timedelta(days=MAX_PERIOD_DAYS):
        raise InvalidInput(
            f"a statement covers at most {MAX_PERIOD_DAYS} days",
            start=str(start),
            end=str(end),
            max_days=MAX_PERIOD_DAYS,
        )


def entry_reference(entry_id: str) -> str:
    """The entry's reference on the statement, at most 35 characters (ISO 20022 Max35Text): a
    UUID's 32 hex digits (the id written without its hyphens), another id as it is."""
    try:
        return uuid.UUID(entry_id).hex
    except ValueError:
        if len(entry_id) > 35:
            raise ValueError(f"entry id {entry_id!r} does not fit a statement reference") from None
        return entry_id


def statement_reference(entry: Entry) -> str:
    """The movement's reference on the statement: the bank's own transaction id for a deposit
    the bank reported (so the bank's statement names it as the bank does), else the entry's."""
    return entry.metadata.get("bank_transaction_id") or entry_reference(entry.id)


def counterpart(entry: Entry) -> str | None:
    """Who paid or was paid, as far as the entry says."""
    meta = entry.metadata
    for key in ("payee", "donor", "lender", "participant_id", "borrower_id"):
        if meta.get(key):
            return meta[key]
    for line in entry.lines:
        if line.participant_id:
            return line.participant_id
    return None


def trust_cash_change(entry: Entry, currency: str = CURRENCY) -> int:
    """What the entry does to trust cash, in centavos (positive: money in)."""
    return sum(
        effect(line)
        for line in entry.lines
        if line.account == acc.TRUST_CASH and line.currency == currency
    )


def build_statement(
    entries: list[Entry],
    *,
    fund_id: str,
    trust_bank: str | None,
    start: date,
    end: date,
    currency: str = CURRENCY,
) -> TrustStatement:
    check_period(start, end)
    opening = 0
    movements: list[Movement] = []
    seen: set[str] = set()
    for entry in sorted(entries, key=lambda e: e.seq):
        if entry.id in seen:
            continue
        seen.add(entry.id)
        change = trust_cash_change(entry, currency)
        if change == 0 or entry.effective_on > end:
            continue
        if entry.effective_on < start:
            opening += change
            continue
        movements.append(
            Movement(
                entry_id=entry.id,
                seq=entry.seq,
                reference=statement_reference(entry),
                value_date=entry.effective_on,
                booking_date=entry.posted_at.date(),
                cents=abs(change),
                direction=Direction.CREDIT if change > 0 else Direction.DEBIT,
                kind=entry.kind.value,
                description=entry.description,
                counterpart=counterpart(entry),
            )
        )
    movements.sort(key=lambda m: (m.value_date, m.seq))
    closing = opening + sum(
        m.cents if m.direction is Direction.CREDIT else -m.cents for m in movements
    )
    return TrustStatement(
        fund_id=fund_id,
        trust_bank=trust_bank,
        currency=currency,
        start=start,
        end=end,
        opening_cents=opening,
        closing_cents=closing,
        movements=tuple(movements),
    )

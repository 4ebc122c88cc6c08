"""Journal entries and the balances they make.

An entry is immutable once posted: a list of lines, each a debit or a credit of a positive number
of centavos to one account in one currency. Debits equal credits in every currency of the entry.
Balances are only ever a sum of entries: `apply_entry` is the one place a balance changes, and
`rebuild` recomputes every balance from the entries alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from funds.domain.accounts import normal_sign

Balances = dict[str, dict[str, int]]
"""currency -> account -> balance in minor units, positive on the account's normal side."""


class UnbalancedEntry(ValueError):
    """An entry whose debits and credits differ, or with a line that is not positive."""


class Side(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


class Line(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    side: Side
    cents: int = Field(gt=0)
    currency: str = "MXN"
    participant_id: str | None = None


def debit(account: str, cents: int, currency: str = "MXN", **extra: str | None) -> Line:
    return Line(account=account, side=Side.DEBIT, cents=cents, currency=currency, **extra)


def credit(account: str, cents: int, currency: str = "MXN", **extra: str | None) -> Line:
    return Line(account=account, side=Side.CREDIT, cents=cents, currency=currency, **extra)


class EntryKind(StrEnum):
    GRANT = "grant"
    TEMPORARY_CONTRIBUTION = "temporary_contribution"
    TEMPORARY_RETURN = "temporary_contribution_return"
    MEMBER_DEPOSIT = "member_deposit"
    DEPOSIT_SHEET = "deposit_sheet"
    COMPETITION_SPEND = "competition_spend"
    DEVELOPMENT_WITHDRAWAL = "development_withdrawal"
    INSTALMENT_PAYMENT = "instalment_payment"
    REPLENISHMENT = "replenishment"
    REVERSAL = "reversal"


class Entry(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    fund_id: str
    seq: int = Field(description="Position in the fund's journal, from 1, without gaps")
    kind: EntryKind
    idempotency_key: str
    posted_at: datetime
    effective_on: date
    description: str
    lines: list[Line]
    metadata: dict[str, str] = Field(default_factory=dict)
    reverses: str | None = None


def check_balanced(lines: Iterable[Line]) -> None:
    totals: dict[str, int] = {}
    count = 0
    for line in lines:
        count += 1
        if line.cents <= 0:
            raise UnbalancedEntry(f"line on {line.account} is not a positive amount")
        sign = 1 if line.side is Side.DEBIT else -1
        totals[line.currency] = totals.get(line.currency, 0) + sign * line.cents
    if count < 2:
        raise UnbalancedEntry("an entry needs at least one debit and one credit")
    off = {currency: net for currency, net in totals.items() if net != 0}
    if off:
        raise UnbalancedEntry(f"debits and credits differ: {off}")


def effect(line: Line) -> int:
    """How much the line moves its account's balance on the account's normal side."""
    sign = 1 if line.side is Side.DEBIT else -1
    return sign * normal_sign(line.account) * line.cents


def apply_lines(balances: Balances, lines: Iterable[Line]) -> None:
    for line in lines:
        accounts = balances.setdefault(line.currency, {})
        accounts[line.account] = accounts.get(line.account, 0) + effect(line)


def rebuild(entries: Iterable[Entry]) -> Balances:
    """Every balance recomputed from the entries alone (each counted once, by id)."""
    balances: Balances = {}
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            continue
        seen.add(entry.id)
        apply_lines(balances, entry.lines)
    return balances


def without_zeros(balances: Balances) -> Balances:
    return {
        currency: {account: cents for account, cents in accounts.items() if cents != 0}
        for currency, accounts in balances.items()
        if any(cents != 0 for cents in accounts.values())
    }


def differences(cached: Balances, rebuilt: Balances) -> list[str]:
    """Where a cached balance disagrees with the rebuilt one (empty when they agree)."""
    out: list[str] = []
    left, right = without_zeros(cached), without_zeros(rebuilt)
    for currency in sorted(set(left) | set(right)):
        a, b = left.get(currency, {}), right.get(currency, {})
        for account in sorted(set(a) | set(b)):
            if a.get(account, 0) != b.get(account, 0):
                out.append(
                    f"{currency} {account}: cached {a.get(account, 0)}, "
                    f"from journal {b.get(account, 0)}"
                )
    return out

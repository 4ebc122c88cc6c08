"""Journal entries and the balances they make.

An entry is immutable once posted: a list of lines, each a debit or a credit of a positive number
of centavos to one account in one currency. Debits equal credits in every currency of the entry.
Balances are only ever a sum of entries: `apply_entry` is the one place a balance changes, and
`rebuild` recomputes every balance from the entries alone.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Checkpoint:
    """The balances of a prefix of a fund's journal, so that the balances at a later instant
    are this plus the entries after it, never the whole journal again.

    `balances` counts every entry numbered up to `upto_seq` (each of them was posted at or
    before `at`) and the entries in `ahead`: posted at or before `at` too, but numbered after an
    entry that was not (an entry's number and its posting instant need not agree exactly: two
    requests that read the clock either side of a month's end may be numbered the other way
    round). Entries are immutable, so a checkpoint stays true whatever is posted after it."""

    at: datetime
    upto_seq: int = 0
    ahead: frozenset[str] = frozenset()
    balances: Balances = field(default_factory=dict)


def advance(base: Checkpoint | None, later: Iterable[Entry], at: datetime) -> Checkpoint:
    """The checkpoint at `at` from `base` (taken at or before `at`; None: the journal's start)
    and `later`: the fund's entries numbered after `base.upto_seq` and posted at or before
    `at` (more may be given; those posted after `at` are left out). Its balances are
    `rebuild` of every entry posted at or before `at`, as `later` and the base hold them."""
    if base is not None and base.at > at:
        raise ValueError("a checkpoint advances forward in time only")
    balances = copy.deepcopy(base.balances) if base else {}
    upto = base.upto_seq if base else 0
    counted_before = base.ahead if base else frozenset()
    ahead: set[str] = set()
    contiguous = True
    seen: set[str] = set()
    for entry in sorted(later, key=lambda e: e.seq):
        if entry.seq <= (base.upto_seq if base else 0) or entry.id in seen:
            continue
        seen.add(entry.id)
        counted = entry.id in counted_before or entry.posted_at <= at
        if not counted:
            contiguous = False  # numbered entries after it cannot join the prefix
            continue
        if entry.id not in counted_before:
            apply_lines(balances, entry.lines)
        if contiguous and entry.seq == upto + 1:
            upto = entry.seq
        else:
            # after a gap (an entry posted after `at`, so not asked for) or a later one
            contiguous = False
            ahead.add(entry.id)
    # counted already and not given again: still counted, so still skipped next time
    ahead |= counted_before - seen
    return Checkpoint(at=at, upto_seq=upto, ahead=frozenset(ahead), balances=balances)


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

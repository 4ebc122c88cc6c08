"""A bank's own statement of a trust account set against the fund's journal. Pure; it only
reports: a difference never changes the ledger.

Each bank entry is matched to the journal movement with the same reference
(`bank_statement.statement_reference`): the first of the entry's references (a bank writes ours in
`AcctSvcrRef`, `EndToEndId` or a structured remittance reference) that the journal knows. It
matches when direction, amount and value date agree too.
What does not match is listed on its side with the reason. The result depends only on the two
statements, so the same bank statement against the same journal always gives the same result.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, replace
from datetime import date

from funds.domain.bank_statement import Direction, Movement, TrustStatement


@dataclass(frozen=True)
class BankEntry:
    """One `Ntry` of the bank's statement, as the bank wrote it."""

    position: int  # 1-based, in the bank's document
    reference: str | None
    cents: int
    direction: Direction
    value_date: date
    #: further references the bank gave the entry, tried in order after `reference`
    alternatives: tuple[str, ...] = ()

    def reference_in(self, known: Container[str]) -> str | None:
        """The first of the entry's references in `known`, else its first reference."""
        for ref in (self.reference, *self.alternatives):
            if ref is not None and ref in known:
                return ref
        return self.reference


@dataclass(frozen=True)
class BankStatement:
    account: str | None
    start: date | None
    end: date | None
    currency: str
    opening_cents: int | None
    closing_cents: int | None
    entries: tuple[BankEntry, ...]
    message: str | None = None  # e.g. "camt.053.001.02"


@dataclass(frozen=True)
class Unmatched:
    side: str  # "bank" or "journal"
    reference: str | None
    cents: int
    direction: Direction
    value_date: date
    reason: str
    position: int | None = None  # the bank entry's
    entry_id: str | None = None  # the journal entry's


@dataclass(frozen=True)
class Reconciliation:
    matched: tuple[str, ...]  # references matched, in the bank's order
    unmatched: tuple[Unmatched, ...]
    balance_differences: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not self.unmatched and not self.balance_differences


def _differs(bank: BankEntry, ours: Movement) -> str | None:
    if bank.direction is not ours.direction:
        return f"the bank has a {bank.direction.value}, the journal a {ours.direction.value}"
    if bank.cents != ours.cents:
        return f"amount differs: bank {bank.cents}, journal {ours.cents} (centavos)"
    if bank.value_date != ours.value_date:
        return f"value date differs: bank {bank.value_date}, journal {ours.value_date}"
    return None


def _ours(m: Movement, reason: str) -> Unmatched:
    return Unmatched(
        "journal", m.reference, m.cents, m.direction, m.value_date, reason, entry_id=m.entry_id
    )


def _theirs(b: BankEntry, reason: str) -> Unmatched:
    return Unmatched(
        "bank", b.reference, b.cents, b.direction, b.value_date, reason, position=b.position
    )


def reconcile(bank: BankStatement, journal: TrustStatement) -> Reconciliation:
    by_reference = {m.reference: m for m in journal.movements}
    used: set[str] = set()
    matched: list[str] = []
    unmatched: list[Unmatched] = []
    entries = [replace(e, reference=e.reference_in(by_reference)) for e in bank.entries]
    for entry in entries:
        ours = by_reference.get(entry.reference) if entry.reference else None
        if ours is None:
            unmatched.append(_theirs(entry, "no journal entry has this reference"))
            continue
        if ours.reference in used:
            unmatched.append(_theirs(entry, "this reference is already matched (a duplicate)"))
            continue
        reason = _differs(entry, ours)
        if reason is not None:
            unmatched.append(_theirs(entry, reason))
            continue
        used.add(ours.reference)
        matched.append(ours.reference)
    for m in journal.movements:
        if m.reference not in used:
            seen = any(e.reference == m.reference for e in entries)
            why = (
                "the bank's entry differs (see the bank side)"
                if seen
                else "not on the bank's statement"
            )
            unmatched.append(_ours(m, why))
    balances: list[str] = []
    if bank.currency != journal.currency:
        balances.append(f"currency: bank {bank.currency}, journal {journal.currency}")
    for name, theirs, ours_cents in (
        ("opening", bank.opening_cents, journal.opening_cents),
        ("closing", bank.closing_cents, journal.closing_cents),
    ):
        if theirs is None:
            balances.append(f"{name} balance missing from the bank's statement")
        elif theirs != ours_cents:
            balances.append(f"{name} balance: bank {theirs}, journal {ours_cents} (centavos)")
    return Reconciliation(tuple(matched), tuple(unmatched), tuple(balances))

"""Deposits the fund's trust bank reports: a member paid at a branch or a correspondent with the
deposit reference printed on their slip, and the bank tells the fund, one by one or as a
camt.054 batch.

A report settles the member's obligations exactly as a deposit recorded by the ODF's staff
does (`deposits.record_deposits`: the same entry, split and events); it differs only in three
things the bank knows and the staff do not: the value date (the day the member paid), the bank's
transaction id (the entry's key, so the same report never posts twice, and its reference on the
trust account's statement) and the reference it read.

**The member deposit reference** ("referencia" of a Mexican deposit slip) is 11 digits: nine
drawn from the fund and the member (a hash, so it needs no storage and reveals neither id) and
two check digits by ISO 7064 MOD 97-10, the scheme of IBANs and of many Mexican banks'
referenced deposits: a mistyped digit or two swapped digits at the counter never name another
member. It is the same for as long as the member is in the fund, and means nothing in any other.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime

from funds.domain import deposits
from funds.domain.bank_statement import trust_cash_change
from funds.domain.calendar import to_amount
from funds.domain.errors import InvalidInput
from funds.domain.fund import Fund
from funds.domain.ledger import Entry
from funds.domain.policy import FundPolicy

REFERENCE_LENGTH = 11
_BODY_DIGITS = REFERENCE_LENGTH - 2
_WELL_FORMED = re.compile(rf"^[0-9]{{{REFERENCE_LENGTH}}}$")
#: ISO 20022 Max35Text, as banks' transaction ids are; no spaces, so no two spellings of one id
TRANSACTION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9/\-?:().,'+_]{0,34}$"
_TRANSACTION_ID = re.compile(TRANSACTION_ID_PATTERN)
OPERATION = "bank-deposit"


def _check_digits(body: str) -> str:
    return f"{98 - int(body + '00') % 97:02d}"


def deposit_reference(fund_id: str, participant_id: str) -> str:
    """The member's deposit reference in this fund (see the module's docstring)."""
    digest = hashlib.sha256(f"megp-deposit|{fund_id}|{participant_id}".encode()).digest()
    body = f"{int.from_bytes(digest[:8], 'big') % 10**_BODY_DIGITS:0{_BODY_DIGITS}d}"
    return body + _check_digits(body)


def is_well_formed(reference: str) -> bool:
    """Eleven digits whose check digits agree (the number mod 97 is 1)."""
    return bool(_WELL_FORMED.match(reference)) and int(reference) % 97 == 1


def is_transaction_id(text: str) -> bool:
    return bool(_TRANSACTION_ID.match(text))


def references(fund: Fund) -> dict[str, str]:
    """Every member's reference (members who left keep theirs: they may still pay arrears)."""
    return {pid: deposit_reference(fund.id, pid) for pid in sorted(fund.members)}


def member_of(fund: Fund, reference: str) -> str:
    """The member the reference names in this fund, or InvalidInput saying why none."""
    if not is_well_formed(reference):
        raise InvalidInput(
            f"{reference!r} is not a deposit reference ({REFERENCE_LENGTH} digits with valid "
            "check digits)",
            deposit_reference=reference,
        )
    named = [pid for pid, ref in references(fund).items() if ref == reference]
    if not named:
        raise InvalidInput(
            "no member of this fund has this deposit reference", deposit_reference=reference
        )
    if len(named) > 1:  # nine digits per member: about once in 10^7 funds of 30 members
        raise InvalidInput(
            "this deposit reference names two members; the ODF's staff record the deposit",
            deposit_reference=reference,
        )
    return named[0]


@dataclass(frozen=True)
class BankDeposit:
    """One deposit as the bank reports it."""

    bank_transaction_id: str
    deposit_reference: str
    cents: int
    value_date: date


def check_report(fund: Fund, report: BankDeposit, today: date) -> str:
    """The member the report names, once the report is one the fund can post (InvalidInput
    otherwise)."""
    if not is_transaction_id(report.bank_transaction_id):
        raise InvalidInput(
            "the bank's transaction id is 1-35 letters, digits or /-?:().,'+_ without spaces",
            bank_transaction_id=report.bank_transaction_id,
        )
    if report.cents <= 0:
        raise InvalidInput("a deposit must be a positive amount", amount_cents=report.cents)
    if report.value_date > today:
        raise InvalidInput(
            f"the value date {report.value_date} is after today ({today})",
            value_date=str(report.value_date),
        )
    if fund.opened_on is not None and report.value_date < fund.opened_on:
        raise InvalidInput(
            f"the value date {report.value_date} is before the fund opened ({fund.opened_on})",
            value_date=str(report.value_date),
        )
    return member_of(fund, report.deposit_reference)


def record_bank_deposit(
    fund: Fund,
    entry_id: str,
    key: str,
    report: BankDeposit,
    reported_by: str,
    now: datetime,
    policy: FundPolicy,
) -> Entry | None:
    """The member's deposit, posted as any deposit is, valued on the bank's value date."""
    participant_id = check_report(fund, report, now.date())
    return deposits.record_deposits(
        fund,
        entry_id,
        key,
        [deposits.Deposit(participant_id, to_amount(report.cents))],
        now,
        policy,
        value_date=report.value_date,
        bank_transaction_id=report.bank_transaction_id,
        metadata={
            "participant_id": participant_id,
            "bank_transaction_id": report.bank_transaction_id,
            "deposit_reference": report.deposit_reference,
            "reported_by": reported_by,
        },
    )


def differs(entry: Entry, report: BankDeposit) -> str | None:
    """Why a report of a transaction id already posted is not the same report, if it is not."""
    meta = entry.metadata
    if meta.get("bank_transaction_id") != report.bank_transaction_id:
        return "the transaction id was posted as another operation"
    if meta.get("deposit_reference") != report.deposit_reference:
        return (
            f"reported before with deposit reference {meta.get('deposit_reference')}, "
            f"now {report.deposit_reference}"
        )
    cents = trust_cash_change(entry)
    if cents != report.cents:
        return f"reported before as {to_amount(cents)}, now {to_amount(report.cents)} (MXN)"
    if entry.effective_on != report.value_date:
        return f"reported before valued {entry.effective_on}, now {report.value_date}"
    return None

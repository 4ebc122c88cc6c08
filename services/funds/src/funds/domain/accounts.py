"""The chart of accounts of one Competition and Development Fund.

Balance-sheet accounts (the identity `net sub-funds = trust cash - liabilities` holds on them):

- `trust_cash` (asset): the money held in trust at the commercial bank [¶75].
- `development_subfund`, `competition_subfund` (fund capital): the two halves every registered
  inflow is split into [¶72].
- `temporary_contributions_to_return` (liability): temporary contributions not yet given back.
- `temporary_contributions_within_subfunds` (contra fund capital, debit balance): the part of the
  sub-funds' balances that is temporary money. A temporary contribution is split into the
  sub-funds like any inflow (so it can be used), and this pair records that it must go back.

Memo accounts (each memo pair balances on its own; they describe, they hold no money):

- `member_contributions:<participant>` against `member_contributions_control`: each member's
  deposits, the basis of their Development Sub-Fund share [¶74].
- `member_withdrawals:<participant>` against `member_withdrawals_control`.
- `borrower_owes:<borrower>` against `borrower_owes_control`: what the fund paid for a borrower's
  instalments and the borrower has not replenished yet [¶76-¶77].
- `fx_received:<currency>` against `fx_converted:<currency>`: foreign currency received, in
  that currency (the MXN side of the conversion is in the balance-sheet lines).

The per-person memo accounts (`member_contributions:`, `member_withdrawals:`, `borrower_owes:`,
one each per member or borrower) are held apart from the others, each person's in their own
record (`Fund.memos`, see `person_of`): no commit checks them against anything but their own
entry, and a fund of 200 members has some 400 of them.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

TRUST_CASH: Final = "trust_cash"
DEVELOPMENT: Final = "development_subfund"
COMPETITION: Final = "competition_subfund"
TEMPORARY_TO_RETURN: Final = "temporary_contributions_to_return"
TEMPORARY_WITHIN: Final = "temporary_contributions_within_subfunds"
CONTRIBUTIONS_CONTROL: Final = "member_contributions_control"
WITHDRAWALS_CONTROL: Final = "member_withdrawals_control"
OWES_CONTROL: Final = "borrower_owes_control"

#: the accounts kept one per person, by the prefix before the person's id
PERSONAL_MEMOS: Final = ("member_contributions:", "member_withdrawals:", "borrower_owes:")

_SAFE_ID: Final = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")


class SubFund(StrEnum):
    DEVELOPMENT = "development"
    COMPETITION = "competition"

    @property
    def account(self) -> str:
        return DEVELOPMENT if self is SubFund.DEVELOPMENT else COMPETITION


class Kind(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    FUND = "fund"
    CONTRA_FUND = "contra_fund"
    MEMO = "memo"


def is_safe_id(value: str) -> bool:
    """Ids become parts of account names and document keys: no dots, no dollar signs."""
    return bool(_SAFE_ID.match(value))


def member_contributions(participant_id: str) -> str:
    return f"member_contributions:{participant_id}"


def member_withdrawals(participant_id: str) -> str:
    return f"member_withdrawals:{participant_id}"


def borrower_owes(borrower_id: str) -> str:
    return f"borrower_owes:{borrower_id}"


def person_of(account: str) -> str | None:
    """The member or borrower a per-person memo account belongs to; None for every other
    account (the balance-sheet accounts, the control accounts, the foreign-currency pairs)."""
    for prefix in PERSONAL_MEMOS:
        if account.startswith(prefix):
            return account[len(prefix) :]
    return None


def fx_received(currency: str) -> str:
    return f"fx_received:{currency}"


def fx_converted(currency: str) -> str:
    return f"fx_converted:{currency}"


def kind_of(account: str) -> Kind:
    if account == TRUST_CASH:
        return Kind.ASSET
    if account == TEMPORARY_TO_RETURN:
        return Kind.LIABILITY
    if account in (DEVELOPMENT, COMPETITION):
        return Kind.FUND
    if account == TEMPORARY_WITHIN:
        return Kind.CONTRA_FUND
    return Kind.MEMO


def normal_sign(account: str) -> int:
    """+1 where a debit increases the balance (assets, contra, debit-side memos), else -1."""
    kind = kind_of(account)
    if kind in (Kind.ASSET, Kind.CONTRA_FUND):
        return 1
    if kind in (Kind.LIABILITY, Kind.FUND):
        return -1
    debit_side = ("member_withdrawals:", "borrower_owes:", "fx_received:")
    debit_controls = (CONTRIBUTIONS_CONTROL,)
    if account.startswith(debit_side) or account in debit_controls:
        return 1
    return -1

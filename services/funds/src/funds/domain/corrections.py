"""Corrections: nothing in the ledger is edited or deleted; a mistake is undone by a reversing
entry, the mirror image of the original (every debit becomes a credit and the reverse).

Only a grant is corrected this way. The other movements carry obligations, shares or debts
with them and have their own corrections: a temporary contribution is given back by its return,
a member's period result by enrollment's correction (which replaces the obligation), an
instalment payment by the borrower's replenishment.
"""

from __future__ import annotations

from datetime import datetime

from funds.domain import accounts as acc
from funds.domain.accounts import SubFund
from funds.domain.calendar import to_amount
from funds.domain.errors import InvalidInput, RuleBroken
from funds.domain.fund import Fund
from funds.domain.inflows import in_initial_period, split_model
from funds.domain.ledger import Entry, EntryKind, Side
from funds.domain.policy import FundPolicy
from megp_common.contracts.funds import EntryReversed


def reverse_grant(
    fund: Fund,
    entry_id: str,
    key: str,
    original: Entry,
    reason: str,
    now: datetime,
    policy: FundPolicy,
) -> Entry | None:
    fund.require_open()
    if fund.has_posted(entry_id):
        return None
    if original.fund_id != fund.id:
        raise InvalidInput(f"entry {original.id} belongs to another fund")
    if original.kind is not EntryKind.GRANT:
        raise RuleBroken(
            f"a {original.kind.value.replace('_', ' ')} is not corrected by "
            "reversal: see the funds README, corrections",
            rule="RULES.md",
        )
    if original.id in fund.reversed_entries:
        raise RuleBroken(f"entry {original.id} was already reversed", rule="RULES.md")
    mirror = [
        line.model_copy(update={"side": Side.CREDIT if line.side is Side.DEBIT else Side.DEBIT})
        for line in original.lines
    ]
    entry = fund.post(
        entry_id=entry_id,
        kind=EntryKind.REVERSAL,
        key=key,
        lines=mirror,
        now=now,
        description=f"reversal of entry {original.seq}: {reason}",
        metadata={"reason": reason},
        reverses=original.id,
    )
    fund.reversed_entries.append(original.id)
    cash = sum(
        x.cents for x in original.lines if x.account == acc.TRUST_CASH and x.side is Side.DEBIT
    )
    if in_initial_period(fund, original.effective_on, policy) and in_initial_period(
        fund, now.date(), policy
    ):
        fund.initial_other_cents -= cash
    split = {
        sub: sum(x.cents for x in original.lines if x.account == account)
        for sub, account in (
            (SubFund.DEVELOPMENT, acc.DEVELOPMENT),
            (SubFund.COMPETITION, acc.COMPETITION),
        )
    }
    fund.record(
        EntryReversed(
            fund_id=fund.id,
            group_id=fund.group_id,
            state_code=fund.state,
            entry_id=entry_id,
            reverses=original.id,
            reversed_kind=original.kind.value,
            amount=to_amount(cash),
            split=split_model(split),
            reason=reason,
            reversed_at=now,
        )
    )
    return entry

"""Outflows decided by the group: Competition Sub-Fund spending, approved only by the group's
board representatives for one of the listed purposes [¶55, ¶72]; and each member's individual
use of their Development Sub-Fund share from the fund's fourth year [¶73-¶74]."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from funds.domain import accounts as acc
from funds.domain.calendar import age_on, to_amount, to_cents
from funds.domain.errors import InvalidInput, NotAllowed, RuleBroken
from funds.domain.fund import Fund
from funds.domain.ledger import Entry, EntryKind, credit, debit
from funds.domain.opening import withdrawals_from
from funds.domain.policy import CompetitionPurpose, DevelopmentPurpose, FundPolicy
from megp_common import decisions
from megp_common.contracts.funds import CompetitionSpendApproved, DevelopmentWithdrawalMade


@dataclass(frozen=True)
class SpendRequest:
    purpose: str
    amount: Decimal
    payee: str
    description: str
    approved_by: str | None
    roles: frozenset[str] = frozenset({"board_representative"})


def approve_competition_spend(
    fund: Fund, entry_id: str, key: str, request: SpendRequest, now: datetime
) -> Entry | None:
    fund.require_open()
    if fund.has_posted(entry_id):
        return None
    approver = decisions.board_decider(
        request.roles,
        request.approved_by,
        decisions.Governance.of(fund.board, fund.support_committee),
    )
    if request.purpose not in CompetitionPurpose.__members__.values():
        raise RuleBroken(
            f"{request.purpose!r} is not one of the purposes the Competition Sub-Fund may pay "
            "for [¶72]",
            rule="¶72",
        )
    cents = to_cents(request.amount)
    if cents <= 0:
        raise InvalidInput("the amount must be at least one centavo")
    entry = fund.post(
        entry_id=entry_id,
        kind=EntryKind.COMPETITION_SPEND,
        key=key,
        lines=[debit(acc.COMPETITION, cents), credit(acc.TRUST_CASH, cents)],
        now=now,
        description=request.description,
        metadata={
            "purpose": request.purpose,
            "payee": request.payee,
            "approved_by": approver,
        },
    )
    fund.record(
        CompetitionSpendApproved(
            fund_id=fund.id,
            group_id=fund.group_id,
            state_code=fund.state,
            entry_id=entry_id,
            purpose=request.purpose,
            amount=to_amount(cents),
            payee=request.payee,
            description=request.description,
            approved_by=approver,
            competition_balance=to_amount(fund.balance(acc.COMPETITION)),
        )
    )
    return entry


def member_share(fund: Fund, participant_id: str) -> int:
    """What the member may still draw from the Development Sub-Fund [¶74], in centavos.

    Decision: the member's part of all deposits, applied to the sub-fund as it would be without
    any individual withdrawal (its balance plus everything members drew), less what they drew.
    Applying it to the current balance instead would charge each withdrawal to every member.
    Rounded down, so shares never add up to more than the sub-fund."""
    all_deposits = fund.balance(acc.CONTRIBUTIONS_CONTROL)
    if all_deposits <= 0:
        return 0
    mine = fund.balance(acc.member_contributions(participant_id))
    drawn = fund.balance(acc.member_withdrawals(participant_id))
    base = fund.balance(acc.DEVELOPMENT) + fund.balance(acc.WITHDRAWALS_CONTROL)
    return max(0, mine * max(0, base) // all_deposits - drawn)


@dataclass(frozen=True)
class WithdrawalRequest:
    participant_id: str
    requested_by: str | None
    purpose: str
    amount: Decimal
    birth_date: date | None


def withdraw_development(
    fund: Fund,
    entry_id: str,
    key: str,
    request: WithdrawalRequest,
    now: datetime,
    policy: FundPolicy,
) -> Entry | None:
    fund.require_open()
    if fund.has_posted(entry_id):
        return None
    pid = request.participant_id
    if request.requested_by != pid:
        raise NotAllowed("each member decides on their own share only [¶74]")
    if pid not in fund.members:
        raise InvalidInput(f"{pid} is not a member of this group")
    opens = withdrawals_from(fund, policy)
    if now.date() < opens:
        raise RuleBroken(
            f"the Development Sub-Fund is used individually from {opens.isoformat()}, the "
            "first day of the fund's fourth year [¶73]",
            rule="¶73",
        )
    if request.purpose not in DevelopmentPurpose.__members__.values():
        raise RuleBroken(
            f"{request.purpose!r} is not one of the five uses of the Development Sub-Fund [¶73]",
            rule="¶73",
        )
    if request.purpose == DevelopmentPurpose.RETIREMENT:
        _check_retirement_age(request.birth_date, now.date(), policy)
    cents = to_cents(request.amount)
    if cents <= 0:
        raise InvalidInput("the amount must be at least one centavo")
    share = member_share(fund, pid)
    if cents > share:
        raise RuleBroken(
            f"{pid} may draw at most {to_amount(share)} MXN, their share of the Development "
            "Sub-Fund [¶74]",
            rule="¶74",
        )
    entry = fund.post(
        entry_id=entry_id,
        kind=EntryKind.DEVELOPMENT_WITHDRAWAL,
        key=key,
        lines=[
            debit(acc.DEVELOPMENT, cents),
            credit(acc.TRUST_CASH, cents),
            debit(acc.member_withdrawals(pid), cents, participant_id=pid),
            credit(acc.WITHDRAWALS_CONTROL, cents, participant_id=pid),
        ],
        now=now,
        description=f"{request.purpose.replace('_', ' ')} for {pid}",
        metadata={"purpose": request.purpose, "participant_id": pid},
    )
    fund.record(
        DevelopmentWithdrawalMade(
            fund_id=fund.id,
            group_id=fund.group_id,
            state_code=fund.state,
            entry_id=entry_id,
            participant_id=pid,
            purpose=request.purpose,
            amount=to_amount(cents),
            share_before=to_amount(share),
            share_after=to_amount(member_share(fund, pid)),
        )
    )
    return entry


def _check_retirement_age(birth: date | None, today: date, policy: FundPolicy) -> None:
    if birth is None:
        raise RuleBroken(
            "the member's birth date is not known to the fund yet, so the retirement fund "
            "cannot be used [¶73]",
            rule="¶73",
        )
    if age_on(birth, today) < policy.retirement_age:
        raise RuleBroken(
            f"the retirement fund is usable from age {policy.retirement_age} [¶73]", rule="¶73"
        )

"""The fund as a direct source of loan repayment [¶75-¶78].

When an instalment falls due the trust pays it from the sub-funds in the policy's order
(Competition first, then Development), all of it or nothing. The borrower then owes the fund what
it paid; their replenishments refill the sub-funds, the one drawn last first. A borrower whose
unreplenished amount stays above zero past the grace period gets the board's notice of
non-fulfillment [¶77].
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from funds.domain import accounts as acc
from funds.domain.accounts import SubFund
from funds.domain.calendar import to_amount, to_cents
from funds.domain.errors import InvalidInput, RuleBroken
from funds.domain.fund import Fund
from funds.domain.ledger import Entry, EntryKind, Line, credit, debit
from funds.domain.policy import FundPolicy
from funds.domain.records import BorrowerDebt, Notice, ScheduledInstalment
from megp_common.contracts.funds import (
    FundRepaymentFailed,
    FundRepaymentMade,
    NonFulfillmentNoticeIssued,
    ReplenishmentReceived,
    SubFundSplit,
)
from megp_common.ids import deterministic_id


@dataclass(frozen=True)
class Instalment:
    loan_id: str
    number: int
    borrower_kind: str
    borrower_id: str
    due_on: date
    principal: Decimal
    interest: Decimal
    lender: str | None = None  # the payee, as credit names it (its lender of record that day)

    @property
    def key(self) -> str:
        return f"{self.loan_id}-{self.number}"


def instalment_due(fund: Fund, due: Instalment, now: datetime, policy: FundPolicy) -> None:
    """Pay now when the day has come, otherwise keep it for the scheduler."""
    if not acc.is_safe_id(due.loan_id) or not acc.is_safe_id(due.borrower_id):
        raise InvalidInput("loan and borrower ids may hold letters, digits, '-' and '_' only")
    if due.due_on > now.date():
        fund.scheduled.setdefault(
            due.key,
            ScheduledInstalment(
                key=due.key,
                loan_id=due.loan_id,
                installment_number=due.number,
                borrower_kind=due.borrower_kind,
                borrower_id=due.borrower_id,
                due_on=due.due_on,
                principal_cents=to_cents(due.principal),
                interest_cents=to_cents(due.interest),
                lender=due.lender,
            ),
        )
        return
    pay_instalment(fund, due, now, policy)


def _plan(fund: Fund, total: int, policy: FundPolicy) -> dict[SubFund, int] | None:
    plan: dict[SubFund, int] = {}
    left = total
    for sub in policy.repayment_order:
        take = min(left, max(0, fund.balance(sub.account)))
        if take:
            plan[sub] = take
        left -= take
    return plan if left == 0 else None


def pay_instalment(fund: Fund, due: Instalment, now: datetime, policy: FundPolicy) -> bool:
    """All or nothing; the same instalment is never paid twice. True when paid."""
    fund.scheduled.pop(due.key, None)
    entry_id = fund.entry_id("instalment", due.key)
    if fund.has_posted(entry_id) or due.key in fund.failed_instalments:
        return False
    principal, interest = to_cents(due.principal), to_cents(due.interest)
    total = principal + interest
    plan = _plan(fund, total, policy) if fund.is_open and total > 0 else None
    if plan is None:
        _failed(fund, due, total, now, "the fund is not open" if not fund.is_open else None)
        return False
    lines: list[Line] = [debit(sub.account, part) for sub, part in plan.items()]
    lines += [
        credit(acc.TRUST_CASH, total),
        debit(acc.borrower_owes(due.borrower_id), total),
        credit(acc.OWES_CONTROL, total),
    ]
    fund.post(
        entry_id=entry_id,
        kind=EntryKind.INSTALMENT_PAYMENT,
        key=due.key,
        lines=lines,
        now=now,
        description=f"instalment {due.number} of loan {due.loan_id} paid from the fund",
        metadata={"loan_id": due.loan_id, "borrower_id": due.borrower_id}
        | ({"lender": due.lender} if due.lender else {}),
    )
    debt = fund.debts.setdefault(
        due.borrower_id,
        BorrowerDebt(borrower_id=due.borrower_id, borrower_kind=due.borrower_kind),
    )
    if debt.owed_cents == 0:
        debt.since, debt.notice_issued = now.date(), False
    debt.owed_cents += total
    debt.drawn_development_cents += plan.get(SubFund.DEVELOPMENT, 0)
    debt.drawn_competition_cents += plan.get(SubFund.COMPETITION, 0)
    fund.record(
        FundRepaymentMade(
            fund_id=fund.id,
            group_id=fund.group_id,
            state_code=fund.state,
            entry_id=entry_id,
            loan_id=due.loan_id,
            installment_number=due.number,
            borrower_kind=due.borrower_kind,
            borrower_id=due.borrower_id,
            amount=to_amount(total),
            principal=to_amount(principal),
            interest=to_amount(interest),
            paid_from=_split(plan),
            borrower_owes=to_amount(debt.owed_cents),
            paid_at=now,
            lender=due.lender,
        )
    )
    return True


def _split(parts: dict[SubFund, int]) -> SubFundSplit:
    return SubFundSplit(
        development=to_amount(parts.get(SubFund.DEVELOPMENT, 0)),
        competition=to_amount(parts.get(SubFund.COMPETITION, 0)),
    )


def _failed(fund: Fund, due: Instalment, total: int, now: datetime, reason: str | None) -> None:
    available = sum(max(0, fund.balance(s.account)) for s in SubFund)
    fund.failed_instalments.append(due.key)
    fund.record(
        FundRepaymentFailed(
            fund_id=fund.id,
            group_id=fund.group_id,
            state_code=fund.state,
            loan_id=due.loan_id,
            installment_number=due.number,
            borrower_kind=due.borrower_kind,
            borrower_id=due.borrower_id,
            amount=to_amount(total),
            available=to_amount(available),
            reason=reason or "the sub-funds together hold less than the instalment; nothing paid",
            failed_at=now,
        )
    )


def replenish(
    fund: Fund,
    entry_id: str,
    key: str,
    borrower_id: str,
    amount: Decimal,
    now: datetime,
    policy: FundPolicy,
) -> Entry | None:
    """The borrower pays back what the fund paid for them; the sub-fund drawn last is refilled
    first. More than they owe is refused: an increase of the fund is a deposit or a grant."""
    fund.require_open()
    if fund.has_posted(entry_id):
        return None
    debt = fund.debts.get(borrower_id)
    cents = to_cents(amount)
    if cents <= 0:
        raise InvalidInput("the amount must be at least one centavo")
    if debt is None or debt.owed_cents == 0:
        raise RuleBroken(f"{borrower_id} owes the fund nothing", rule="¶77")
    if cents > debt.owed_cents:
        raise RuleBroken(
            f"{borrower_id} owes {to_amount(debt.owed_cents)} MXN; record any excess as a deposit",
            rule="¶78",
        )
    refill = _refill(debt, cents, policy)
    lines: list[Line] = [debit(acc.TRUST_CASH, cents)]
    lines += [credit(sub.account, part) for sub, part in refill.items()]
    lines += [credit(acc.borrower_owes(borrower_id), cents), debit(acc.OWES_CONTROL, cents)]
    entry = fund.post(
        entry_id=entry_id,
        kind=EntryKind.REPLENISHMENT,
        key=key,
        lines=lines,
        now=now,
        description=f"replenishment by {borrower_id}",
        metadata={"borrower_id": borrower_id},
    )
    debt.owed_cents -= cents
    debt.drawn_development_cents -= refill.get(SubFund.DEVELOPMENT, 0)
    debt.drawn_competition_cents -= refill.get(SubFund.COMPETITION, 0)
    if debt.owed_cents == 0:
        debt.since, debt.notice_issued = None, False
    fund.record(
        ReplenishmentReceived(
            fund_id=fund.id,
            group_id=fund.group_id,
            state_code=fund.state,
            entry_id=entry_id,
            borrower_id=borrower_id,
            amount=to_amount(cents),
            restored_to=_split(refill),
            still_owed=to_amount(debt.owed_cents),
            received_at=now,
        )
    )
    return entry


def _refill(debt: BorrowerDebt, cents: int, policy: FundPolicy) -> dict[SubFund, int]:
    """Reverse of the payment order: the sub-fund drawn last gets its money back first."""
    drawn = {
        SubFund.DEVELOPMENT: debt.drawn_development_cents,
        SubFund.COMPETITION: debt.drawn_competition_cents,
    }
    out: dict[SubFund, int] = {}
    left = cents
    for sub in reversed(policy.repayment_order):
        part = min(left, drawn[sub])
        if part > 0:
            out[sub] = part
        left -= part
    return out


def issue_due_notices(fund: Fund, now: datetime, policy: FundPolicy) -> int:
    """Notices for every borrower still owing past the grace period; one per unpaid stretch."""
    issued = 0
    for debt in sorted(fund.debts.values(), key=lambda d: d.borrower_id):
        if debt.owed_cents <= 0 or debt.notice_issued or debt.since is None:
            continue
        if now.date() <= debt.since + timedelta(days=policy.grace_days):
            continue
        notice_id = deterministic_id("funds", fund.id, "notice", debt.borrower_id, str(debt.since))
        notice = Notice(
            notice_id=notice_id,
            borrower_kind=debt.borrower_kind,
            borrower_id=debt.borrower_id,
            owed_cents=debt.owed_cents,
            unreplenished_since=debt.since,
            issued_on=now.date(),
        )
        fund.notices.append(notice)
        debt.notice_issued = True
        issued += 1
        fund.record(
            NonFulfillmentNoticeIssued(
                fund_id=fund.id,
                group_id=fund.group_id,
                state_code=fund.state,
                notice_id=notice_id,
                borrower_kind=debt.borrower_kind,
                borrower_id=debt.borrower_id,
                owed=to_amount(debt.owed_cents),
                unreplenished_since=debt.since,
                grace_days=policy.grace_days,
                member_participant_ids=fund.active_members(),
                issued_at=now,
            )
        )
    return issued

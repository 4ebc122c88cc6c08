"""What the fund does when time passes: close its initial period, pay the instalments that fell
due, issue the notices whose grace period ran out. Driven by the service's scheduler, which reads
the shared clock; `wake_on` tells it the next day this fund has something to do."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from funds.domain.calendar import to_amount
from funds.domain.fund import Fund
from funds.domain.opening import initial_period_end
from funds.domain.policy import FundPolicy
from funds.domain.repayments import Instalment, issue_due_notices, pay_instalment
from megp_common.contracts.funds import FundInitialPeriodClosed


def close_initial_period(fund: Fund, now: datetime, policy: FundPolicy) -> bool:
    """At the end of the fund's third month, announce what was deposited in it [¶79]."""
    if not fund.is_open or fund.initial_period_closed or fund.opened_on is None:
        return False
    end = initial_period_end(fund, policy)
    if now.date() < end:
        return False
    fund.initial_period_closed = True
    fund.record(
        FundInitialPeriodClosed(
            fund_id=fund.id,
            group_id=fund.group_id,
            state_code=fund.state,
            odf_id=fund.odf_id or "",
            period_start=fund.opened_on,
            period_end=end,
            total_deposited=to_amount(fund.initial_deposits_cents),
            other_inflows=to_amount(fund.initial_other_cents),
            closed_at=now,
        )
    )
    return True


def pay_scheduled(fund: Fund, now: datetime, policy: FundPolicy) -> int:
    due = sorted(
        (s for s in fund.scheduled.values() if s.due_on <= now.date()),
        key=lambda s: (s.due_on, s.key),
    )
    for item in due:
        pay_instalment(
            fund,
            Instalment(
                loan_id=item.loan_id,
                number=item.installment_number,
                borrower_kind=item.borrower_kind,
                borrower_id=item.borrower_id,
                due_on=item.due_on,
                principal=to_amount(item.principal_cents),
                interest=to_amount(item.interest_cents),
                lender=item.lender,
            ),
            now,
            policy,
        )
    return len(due)


def run_due(fund: Fund, now: datetime, policy: FundPolicy) -> bool:
    """Everything due by `now`; True when the fund changed."""
    changed = close_initial_period(fund, now, policy)
    changed = pay_scheduled(fund, now, policy) > 0 or changed
    changed = issue_due_notices(fund, now, policy) > 0 or changed
    return changed


def wake_on(fund: Fund, policy: FundPolicy) -> date | None:
    """The next day `run_due` would change this fund (None: nothing pending)."""
    days: list[date] = []
    if fund.is_open and not fund.initial_period_closed:
        days.append(initial_period_end(fund, policy))
    days += [s.due_on for s in fund.scheduled.values()]
    days += [
        d.since + timedelta(days=policy.grace_days + 1)
        for d in fund.debts.values()
        if d.owed_cents > 0 and not d.notice_issued and d.since is not None
    ]
    return min(days) if days else None

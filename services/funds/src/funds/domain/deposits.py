"""Members' permanent deposits of 10 % of their new revenues [¶71]: the obligations a closed
business period creates, and the deposits that settle them (one by one or as a monthly sheet)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from funds.domain import accounts as acc
from funds.domain.calendar import to_amount, to_cents
from funds.domain.errors import InvalidInput
from funds.domain.fund import Fund
from funds.domain.inflows import in_initial_period, split_lines, split_model
from funds.domain.ledger import Entry, EntryKind, Line, credit, debit
from funds.domain.policy import FundPolicy
from funds.domain.records import Member, Obligation
from megp_common.contracts.funds import (
    DepositObligationsCreated,
    DepositObligationsSettled,
    InflowRecorded,
    MemberAmount,
    NewObligation,
    ObligationSettlement,
)


@dataclass(frozen=True)
class PeriodResult:
    """The part of enrollment's closed business period the fund needs."""

    result_id: str
    participant_id: str
    period_start: date
    period_end: date
    deposit_due: Decimal


@dataclass(frozen=True)
class Deposit:
    participant_id: str
    amount: Decimal
    obligation_id: str | None = None


def create_obligations(fund: Fund, results: list[PeriodResult], policy: FundPolicy) -> int:
    """One obligation per period result (a result with nothing due, or one already known,
    creates none), announced together in one DepositObligationsCreated per period; returns how
    many were created."""
    created = [o for r in results if (o := _new_obligation(fund, r, policy)) is not None]
    by_period: dict[tuple[date, date, date], list[Obligation]] = {}
    for o in created:
        by_period.setdefault((o.period_start, o.period_end, o.due_on), []).append(o)
    for (start, end, due_on), group in by_period.items():
        fund.record(
            DepositObligationsCreated(
                fund_id=fund.id,
                group_id=fund.group_id,
                state_code=fund.state,
                period_start=start,
                period_end=end,
                due_on=due_on,
                obligations=[
                    NewObligation(
                        obligation_id=o.obligation_id,
                        participant_id=o.participant_id,
                        amount=to_amount(o.amount_cents),
                    )
                    for o in group
                ],
                total=to_amount(sum(o.amount_cents for o in group)),
            )
        )
    return len(created)


def create_obligation(fund: Fund, result: PeriodResult, policy: FundPolicy) -> bool:
    """One member's result: see create_obligations."""
    return create_obligations(fund, [result], policy) == 1


def _new_obligation(fund: Fund, result: PeriodResult, policy: FundPolicy) -> Obligation | None:
    cents = to_cents(result.deposit_due)
    if cents <= 0 or fund.knows_obligation(result.result_id):
        return None
    fund.members.setdefault(result.participant_id, Member(participant_id=result.participant_id))
    obligation = Obligation(
        obligation_id=result.result_id,
        participant_id=result.participant_id,
        period_start=result.period_start,
        period_end=result.period_end,
        created_on=result.period_end,
        due_on=result.period_end + timedelta(days=policy.deposit_due_days),
        amount_cents=cents,
    )
    fund.obligations[obligation.obligation_id] = obligation
    return obligation


def replace_obligation(
    fund: Fund,
    replaced_id: str,
    result: PeriodResult,
    policy: FundPolicy,
    archived: Obligation | None = None,
) -> None:
    """A corrected period result replaces the earlier one; what was deposited against the old
    obligation counts for the new one. `archived` is the old obligation as the archive has it,
    when it was already settled and left the fund document."""
    old = fund.obligations.get(replaced_id)
    if old is None:
        old = next((o for o in fund.archive_pending if o.obligation_id == replaced_id), None)
    if old is None and archived is not None and archived.obligation_id == replaced_id:
        old = archived.model_copy()
    settled = 0
    if old is not None and old.replaced_by is None:
        settled = old.settled_cents
        old.replaced_by = result.result_id
        if old.obligation_id in fund.obligations:
            fund.close_obligation(old)
        elif old not in fund.archive_pending:
            fund.archive_pending.append(old)  # the archive learns it was replaced
    if create_obligation(fund, result, policy):
        new = fund.obligations[result.result_id]
        new.settled_cents = settled
        if new.outstanding_cents == 0:
            fund.close_obligation(new)


def open_obligations(fund: Fund, participant_id: str) -> list[Obligation]:
    found = [
        o
        for o in fund.obligations.values()
        if o.participant_id == participant_id and o.outstanding_cents > 0
    ]
    return sorted(found, key=lambda o: (o.due_on, o.obligation_id))


def overdue(fund: Fund, today: date) -> list[Obligation]:
    return sorted(
        (o for o in fund.obligations.values() if o.is_overdue(today)),
        key=lambda o: (o.due_on, o.participant_id),
    )


def _checked(fund: Fund, deposits: list[Deposit]) -> list[tuple[Deposit, int]]:
    if not deposits:
        raise InvalidInput("a deposit sheet needs at least one line")
    seen: set[str] = set()
    out = []
    for deposit in deposits:
        if deposit.participant_id in seen:
            raise InvalidInput(f"{deposit.participant_id} appears twice; one line per member")
        seen.add(deposit.participant_id)
        if deposit.participant_id not in fund.members:
            raise InvalidInput(f"{deposit.participant_id} is not a member of this group")
        cents = to_cents(deposit.amount)
        if cents <= 0:
            raise InvalidInput(f"the deposit of {deposit.participant_id} must be positive")
        if deposit.obligation_id is not None:
            named = fund.obligations.get(deposit.obligation_id)
            if named is None and deposit.obligation_id in fund.closed_obligations:
                raise InvalidInput(
                    f"obligation {deposit.obligation_id} is closed (settled or replaced)"
                )
            if named is None or named.participant_id != deposit.participant_id:
                raise InvalidInput(
                    f"obligation {deposit.obligation_id} is not one of {deposit.participant_id}'s"
                )
        out.append((deposit, cents))
    return out


def record_deposits(
    fund: Fund,
    entry_id: str,
    key: str,
    deposits: list[Deposit],
    now: datetime,
    policy: FundPolicy,
    *,
    value_date: date | None = None,
    metadata: dict[str, str] | None = None,
    bank_transaction_id: str | None = None,
) -> Entry | None:
    """One journal entry for the whole sheet: cash in, the 50/50 split, a line per member.
    A deposit the trust bank reports (`bank_deposits`) comes through here too, with the bank's
    value date, its transaction id and the reference it read in `metadata`."""
    fund.require_open()
    if fund.has_posted(entry_id):
        return None
    checked = _checked(fund, deposits)
    total = sum(cents for _, cents in checked)
    shares, split = split_lines(total, policy)
    lines: list[Line] = [debit(acc.TRUST_CASH, total), *shares]
    for deposit, cents in checked:
        pid = deposit.participant_id
        lines.append(debit(acc.CONTRIBUTIONS_CONTROL, cents, participant_id=pid))
        lines.append(credit(acc.member_contributions(pid), cents, participant_id=pid))
    kind = EntryKind.DEPOSIT_SHEET if len(checked) > 1 else EntryKind.MEMBER_DEPOSIT
    entry = fund.post(
        entry_id=entry_id,
        kind=kind,
        key=key,
        lines=lines,
        now=now,
        description=f"deposits of {len(checked)} member(s)",
        metadata=metadata,
        effective_on=value_date,
    )
    if in_initial_period(fund, now.date(), policy):
        fund.initial_deposits_cents += total
    fund.record(
        InflowRecorded(
            fund_id=fund.id,
            group_id=fund.group_id,
            state_code=fund.state,
            entry_id=entry_id,
            inflow_kind="member_deposit",
            amount=to_amount(total),
            split=split_model(split),
            members=[
                MemberAmount(participant_id=d.participant_id, amount=to_amount(c))
                for d, c in checked
            ],
            recorded_at=now,
            bank_transaction_id=bank_transaction_id,
        )
    )
    settled = [s for deposit, cents in checked for s in _settle(fund, deposit, cents)]
    if settled:
        fund.record(
            DepositObligationsSettled(
                fund_id=fund.id,
                group_id=fund.group_id,
                state_code=fund.state,
                entry_id=entry_id,
                settlements=settled,
            )
        )
    return entry


def _settle(fund: Fund, deposit: Deposit, cents: int) -> list[ObligationSettlement]:
    """Apply a deposit to the named obligation, or to the member's oldest open ones."""
    out: list[ObligationSettlement] = []
    targets = open_obligations(fund, deposit.participant_id)
    if deposit.obligation_id is not None:
        targets = [o for o in targets if o.obligation_id == deposit.obligation_id]
    left = cents
    for obligation in targets:
        if left <= 0:
            break
        applied = min(left, obligation.outstanding_cents)
        obligation.settled_cents += applied
        left -= applied
        out.append(
            ObligationSettlement(
                obligation_id=obligation.obligation_id,
                participant_id=obligation.participant_id,
                settled_now=to_amount(applied),
                settled_total=to_amount(obligation.settled_cents),
                outstanding=to_amount(obligation.outstanding_cents),
                fully_settled=obligation.outstanding_cents == 0,
            )
        )
        if obligation.outstanding_cents == 0:
            fund.close_obligation(obligation)
    return out

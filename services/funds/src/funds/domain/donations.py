"""What the donors service asks the fund to book [¶53, ¶71-¶72]: an association's donation (a
grant or a temporary contribution, split 50/50 like any inflow), a co-funder's matching payment
(its own grant), and a refund or chargeback of a donation (a reversing entry, never an edit).

Each is keyed by the donors service's own id (donation, pledge, refund), so the same event
delivered twice posts once. What cannot be booked posts nothing and is announced back
(`DonorMovementRefused`) instead of failing the consumer:

- a fund not open (its group is not formed yet);
- a refund when a sub-fund no longer holds its half of it: the money was spent or lent as the
  rules allow, and the programme does not give back money it no longer has. Nothing is taken
  from the other sub-fund (that would make the members' half pay a donor back); the refund is
  refused whole and the association settles it with its portal (README, donations).

A refund is one per donation (the donors service checks it), of the whole donation or part of
it. A partial one takes half of its amount from each sub-fund (the odd centavo from the one the
policy gives it to), which never exceeds the half the donation brought; a whole one is the
exact mirror of the donation's entry. A temporary contribution is refunded whole only (its
ordinary end is its return); the refund closes it as returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from funds.domain import accounts as acc
from funds.domain.accounts import SubFund
from funds.domain.calendar import to_amount, to_cents
from funds.domain.errors import FundError, InvalidInput
from funds.domain.fund import CURRENCY, Fund
from funds.domain.inflows import Contribution, in_initial_period, record_contribution, split_model
from funds.domain.ledger import Entry, EntryKind, Line, Side, credit, debit
from funds.domain.policy import FundPolicy, InflowSource, split_inflow
from megp_common.contracts.donors import DonationMade, DonationRefunded, MatchingPledgePaid
from megp_common.contracts.funds import DonorMovementRefused, EntryReversed
from megp_common.money import Money


def donation_key(donation_id: str) -> str:
    return f"donation:{donation_id}"


def pledge_key(pledge_id: str) -> str:
    return f"pledge:{pledge_id}"


def refund_key(refund_id: str) -> str:
    return f"refund:{refund_id}"


def entry_id_of(fund: Fund, key: str) -> str:
    return fund.entry_id("donors", key)


def _refused(
    fund: Fund,
    movement: str,
    reference: str,
    donation_id: str,
    reason: str,
    now: datetime,
    available: dict[SubFund, int] | None = None,
) -> None:
    fund.record(
        DonorMovementRefused(
            fund_id=fund.id,
            group_id=fund.group_id,
            state_code=fund.state,
            movement=movement,
            reference_id=reference,
            donation_id=donation_id,
            reason=reason,
            available=None if available is None else split_model(available),
            refused_at=now,
        )
    )


def book_donation(fund: Fund, e: DonationMade, now: datetime, policy: FundPolicy) -> Entry | None:
    key = donation_key(e.donation_id)
    gift = Contribution(
        donor=e.association_name,
        source=InflowSource.IMMIGRANT_ASSOCIATION,
        amount=e.amount,
        currency=e.currency,
        exchange_rate=None if e.currency == CURRENCY else e.exchange_rate,
        return_due_on=e.return_due_on,
    )
    try:
        return record_contribution(
            fund, entry_id_of(fund, key), key, gift, now, policy, donation_id=e.donation_id
        )
    except FundError as exc:
        _refused(fund, "donation", e.donation_id, e.donation_id, exc.detail, now)
        return None


def book_pledge(
    fund: Fund, e: MatchingPledgePaid, now: datetime, policy: FundPolicy
) -> Entry | None:
    key = pledge_key(e.pledge_id)
    known = {s.value for s in InflowSource}
    source = InflowSource(e.source) if e.source in known else InflowSource.LOCAL
    gift = Contribution(donor=e.cofunder_name, source=source, amount=e.amount)
    try:
        return record_contribution(
            fund, entry_id_of(fund, key), key, gift, now, policy, pledge_id=e.pledge_id
        )
    except FundError as exc:
        _refused(fund, "pledge", e.pledge_id, e.donation_id, exc.detail, now)
        return None


@dataclass(frozen=True)
class RefundLines:
    lines: list[Line]
    split: dict[SubFund, int]
    cash: int


def refund_lines(original: Entry, e: DonationRefunded, policy: FundPolicy) -> RefundLines:
    """The reversing lines of a refund of `original` (the donation's entry)."""
    if e.whole:
        mirror = [
            line.model_copy(update={"side": Side.CREDIT if line.side is Side.DEBIT else Side.DEBIT})
            for line in original.lines
        ]
        split = {
            sub: sum(x.cents for x in original.lines if x.account == sub.account)
            for sub in (SubFund.DEVELOPMENT, SubFund.COMPETITION)
        }
        cash = sum(
            x.cents for x in original.lines if x.account == acc.TRUST_CASH and x.side is Side.DEBIT
        )
        return RefundLines(mirror, split, cash)
    if original.kind is not EntryKind.GRANT:
        raise InvalidInput(
            "a temporary contribution is refunded whole, or given back by its return"
        )
    cash = to_cents(e.amount_mxn)
    given = sum(
        x.cents for x in original.lines if x.account == acc.TRUST_CASH and x.side is Side.DEBIT
    )
    if not 0 < cash <= given:
        raise InvalidInput("a refund is more than nothing and at most what was given")
    split = split_inflow(cash, policy.odd_centavo_to)
    lines = [credit(acc.TRUST_CASH, cash)]
    lines += [debit(sub.account, part) for sub, part in split.items() if part > 0]
    if e.currency != CURRENCY:
        foreign = Money(Decimal(e.amount), e.currency).to_cents()
        lines += [
            debit(acc.fx_converted(e.currency), foreign, e.currency),
            credit(acc.fx_received(e.currency), foreign, e.currency),
        ]
    return RefundLines(lines, split, cash)


def book_refund(
    fund: Fund, original: Entry | None, e: DonationRefunded, now: datetime, policy: FundPolicy
) -> Entry | None:
    key = refund_key(e.refund_id)
    entry_id = entry_id_of(fund, key)
    if fund.has_posted(entry_id):
        return None
    try:
        fund.require_open()
        if original is None or original.fund_id != fund.id:
            raise InvalidInput(f"the donation {e.donation_id} was never booked in this fund")
        if original.id in fund.reversed_entries:
            raise InvalidInput(f"the donation {e.donation_id} was refunded or reversed already")
        planned = refund_lines(original, e, policy)
        available = {
            SubFund.DEVELOPMENT: fund.balance(acc.DEVELOPMENT),
            SubFund.COMPETITION: fund.balance(acc.COMPETITION),
        }
        short = [sub.value for sub, part in planned.split.items() if part > available[sub]]
        if short:
            _refused(
                fund,
                "refund",
                e.refund_id,
                e.donation_id,
                f"the {' and '.join(short)} sub-fund no longer holds its half of the refund",
                now,
                available,
            )
            return None
        entry = fund.post(
            entry_id=entry_id,
            kind=EntryKind.REVERSAL,
            key=key,
            lines=planned.lines,
            now=now,
            description=f"{'chargeback' if e.chargeback else 'refund'} of donation "
            f"{e.donation_id}: {e.reason}",
            metadata={
                "reason": e.reason,
                "donation_id": e.donation_id,
                "refund_id": e.refund_id,
                "original_amount": str(e.amount),
                "original_currency": e.currency,
            },
            reverses=original.id,
        )
    except FundError as exc:
        _refused(fund, "refund", e.refund_id, e.donation_id, exc.detail, now)
        return None
    fund.reversed_entries.append(original.id)
    held = fund.temporary.get(original.id)
    if held is not None and held.returned_entry_id is None:
        held.returned_entry_id = entry_id  # a refunded temporary contribution is not owed twice
    if in_initial_period(fund, original.effective_on, policy) and in_initial_period(
        fund, now.date(), policy
    ):
        fund.initial_other_cents -= planned.cash
    fund.record(
        EntryReversed(
            fund_id=fund.id,
            group_id=fund.group_id,
            state_code=fund.state,
            entry_id=entry_id,
            reverses=original.id,
            reversed_kind=original.kind.value,
            amount=to_amount(planned.cash),
            split=split_model(planned.split),
            reason=e.reason,
            reversed_at=now,
            donation_id=e.donation_id,
            refund_id=e.refund_id,
        )
    )
    return entry

"""Inflows: grants and temporary contributions from the group's supporters [¶53-¶54, ¶71], and
the return of a temporary contribution. Every registered inflow is split 50/50 [¶72]."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from funds.domain import accounts as acc
from funds.domain.accounts import SubFund
from funds.domain.calendar import to_amount, to_cents
from funds.domain.errors import InvalidInput, RuleBroken
from funds.domain.fund import CURRENCY, Fund
from funds.domain.ledger import Entry, EntryKind, Line, credit, debit
from funds.domain.opening import initial_period_end
from funds.domain.policy import FundPolicy, InflowSource, split_inflow
from funds.domain.records import TemporaryContribution
from megp_common.contracts.funds import InflowRecorded, SubFundSplit, TemporaryContributionReturned
from megp_common.money import Money, MoneyError


@dataclass(frozen=True)
class Contribution:
    """A grant or temporary contribution as given: foreign money comes with its rate."""

    donor: str
    source: InflowSource
    amount: Decimal
    currency: str = CURRENCY
    exchange_rate: Decimal | None = None
    return_due_on: date | None = None

    @property
    def temporary(self) -> bool:
        return self.return_due_on is not None

    def in_pesos(self) -> int:
        if self.currency == CURRENCY:
            return to_cents(self.amount)
        if self.exchange_rate is None:
            raise InvalidInput(f"an amount in {self.currency} needs its exchange_rate to MXN")
        try:
            return (
                Money(self.amount, self.currency).convert(self.exchange_rate, CURRENCY).to_cents()
            )
        except (MoneyError, ValueError) as exc:
            raise InvalidInput(str(exc)) from None


def split_lines(cents: int, policy: FundPolicy) -> tuple[list[Line], dict[SubFund, int]]:
    split = split_inflow(cents, policy.odd_centavo_to)
    lines = [credit(sub.account, part) for sub, part in split.items() if part > 0]
    return lines, split


def split_model(split: dict[SubFund, int]) -> SubFundSplit:
    return SubFundSplit(
        development=to_amount(split.get(SubFund.DEVELOPMENT, 0)),
        competition=to_amount(split.get(SubFund.COMPETITION, 0)),
    )


def in_initial_period(fund: Fund, day: date, policy: FundPolicy) -> bool:
    return not fund.initial_period_closed and day < initial_period_end(fund, policy)


def record_contribution(
    fund: Fund,
    entry_id: str,
    key: str,
    gift: Contribution,
    now: datetime,
    policy: FundPolicy,
    *,
    donation_id: str | None = None,
    pledge_id: str | None = None,
) -> Entry | None:
    """`donation_id` / `pledge_id`: what the donors service asked to book (named back in
    InflowRecorded, see domain/donations.py)."""
    fund.require_open()
    if fund.has_posted(entry_id):
        return None
    pesos = gift.in_pesos()
    if pesos <= 0:
        raise InvalidInput("the amount must be at least one centavo")
    if gift.return_due_on is not None and gift.return_due_on <= now.date():
        raise InvalidInput("a temporary contribution's return date must be in the future")
    shares, split = split_lines(pesos, policy)
    lines = [debit(acc.TRUST_CASH, pesos), *shares]
    meta = {"donor": gift.donor, "source": gift.source.value}
    if gift.currency != CURRENCY:
        original = Money(gift.amount, gift.currency).to_cents()
        lines += [
            debit(acc.fx_received(gift.currency), original, gift.currency),
            credit(acc.fx_converted(gift.currency), original, gift.currency),
        ]
        meta |= {"original_amount": str(gift.amount), "original_currency": gift.currency}
        meta["exchange_rate"] = str(gift.exchange_rate)
    kind = EntryKind.TEMPORARY_CONTRIBUTION if gift.temporary else EntryKind.GRANT
    if gift.return_due_on is not None:
        lines += [debit(acc.TEMPORARY_WITHIN, pesos), credit(acc.TEMPORARY_TO_RETURN, pesos)]
        meta["return_due_on"] = gift.return_due_on.isoformat()
    entry = fund.post(
        entry_id=entry_id,
        kind=kind,
        key=key,
        lines=lines,
        now=now,
        description=f"{kind.value.replace('_', ' ')} from {gift.donor}",
        metadata=meta,
    )
    if gift.return_due_on is not None:
        fund.temporary[entry_id] = TemporaryContribution(
            entry_id=entry_id,
            donor=gift.donor,
            source=gift.source.value,
            amount_cents=pesos,
            development_cents=split[SubFund.DEVELOPMENT],
            competition_cents=split[SubFund.COMPETITION],
            received_on=now.date(),
            return_due_on=gift.return_due_on,
        )
    if in_initial_period(fund, now.date(), policy):
        fund.initial_other_cents += pesos
    fund.record(
        InflowRecorded(
            fund_id=fund.id,
            group_id=fund.group_id,
            state_code=fund.state,
            entry_id=entry_id,
            inflow_kind=kind.value,
            amount=to_amount(pesos),
            split=split_model(split),
            donor=gift.donor,
            source=gift.source.value,
            original_amount=gift.amount if gift.currency != CURRENCY else None,
            original_currency=gift.currency if gift.currency != CURRENCY else None,
            exchange_rate=gift.exchange_rate if gift.currency != CURRENCY else None,
            return_due_on=gift.return_due_on,
            recorded_at=now,
            donation_id=donation_id,
            pledge_id=pledge_id,
        )
    )
    return entry


def return_temporary(
    fund: Fund, entry_id: str, key: str, inflow_entry_id: str, now: datetime
) -> Entry | None:
    """Give a temporary contribution back: each sub-fund returns the half it received."""
    fund.require_open()
    if fund.has_posted(entry_id):
        return None
    held = fund.temporary.get(inflow_entry_id)
    if held is None:
        raise InvalidInput(f"no temporary contribution {inflow_entry_id} in this fund")
    if held.returned_entry_id is not None:
        raise RuleBroken("this temporary contribution was already returned", rule="¶71")
    lines = [
        debit(acc.TEMPORARY_TO_RETURN, held.amount_cents),
        credit(acc.TEMPORARY_WITHIN, held.amount_cents),
        credit(acc.TRUST_CASH, held.amount_cents),
    ]
    lines += [
        debit(sub.account, part)
        for sub, part in (
            (SubFund.DEVELOPMENT, held.development_cents),
            (SubFund.COMPETITION, held.competition_cents),
        )
        if part > 0
    ]
    entry = fund.post(
        entry_id=entry_id,
        kind=EntryKind.TEMPORARY_RETURN,
        key=key,
        lines=lines,
        now=now,
        description=f"temporary contribution returned to {held.donor}",
        metadata={"inflow_entry_id": inflow_entry_id, "donor": held.donor},
    )
    held.returned_entry_id = entry_id
    fund.record(
        TemporaryContributionReturned(
            fund_id=fund.id,
            group_id=fund.group_id,
            state_code=fund.state,
            entry_id=entry_id,
            inflow_entry_id=inflow_entry_id,
            donor=held.donor,
            amount=to_amount(held.amount_cents),
            split=split_model(
                {
                    SubFund.DEVELOPMENT: held.development_cents,
                    SubFund.COMPETITION: held.competition_cents,
                }
            ),
            returned_at=now,
        )
    )
    return entry

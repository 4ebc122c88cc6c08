"""The deadline engine: given a trigger (a date something happened) and the filing type's rules,
the deadline it opens. Pure arithmetic on dates; the caller owns the clock.

Month arithmetic (`add_months`): the same day number so many calendar months later, or the last
day of that month when it has no such day: 31 January + 1 month = 28 February (29 in a leap
year), 29 February 2024 + 12 months = 28 February 2025, 30 November + 3 months = 28/29 February.
Years are 12 months. A due date is the last day on which the act is on time; the day after it,
the deadline is missed. No holiday calendar: a due date on a weekend or an IMPI holiday is not
moved to the next working day (left to do; Paris Convention Art. 4C(3) moves it).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from pydantic import BaseModel

from ip_counsel.domain.filing_rules import (
    AnnuityRule,
    DeadlineKind,
    FilingTypeRule,
    PeriodRule,
    RenewalRule,
)

CENTAVO = Decimal("0.01")


def add_months(day: date, months: int) -> date:
    """`day` moved `months` calendar months (negative goes back), the day clamped to the month's
    last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def reminder_dates(due_on: date, opened_on: date, days_before: Iterable[int]) -> list[date]:
    """The days a reminder goes out, earliest first: `days_before` each due date, leaving out
    those before the deadline was opened (no reminder about the past) and the due day itself."""
    dates = {due_on - timedelta(days=d) for d in days_before if d > 0}
    return sorted(d for d in dates if opened_on <= d < due_on)


def surcharge(fee: Decimal | None, rate: Decimal, fixed: Decimal | None = None) -> Decimal | None:
    """The late-period surcharge in MXN, to the centavo (half-even): `rate` times the fee, plus
    a fixed late fee; None when there is neither."""
    parts = [fee * rate] if fee is not None and rate != 0 else []
    if fixed is not None:
        parts.append(fixed)
    if not parts:
        return None
    return sum(parts, Decimal("0")).quantize(CENTAVO, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class DeadlineSpec:
    """A deadline as the rules compute it, before a filing records it."""

    kind: DeadlineKind
    key: str
    trigger: str
    trigger_on: date
    due_on: date
    fee: Decimal | None = None
    surcharge: Decimal | None = None
    late_months: int = 0
    surcharge_rate: Decimal = Decimal("0")
    late_fee: Decimal | None = None
    block: int | None = None
    late: bool = False

    def __post_init__(self) -> None:
        if self.due_on <= self.trigger_on:
            raise ValueError(f"{self.key}: due {self.due_on} is not after {self.trigger_on}")


def _period(
    kind: DeadlineKind, key: str, rule: PeriodRule, trigger: str, on: date, months: int
) -> DeadlineSpec:
    return DeadlineSpec(
        kind=kind,
        key=key,
        trigger=trigger,
        trigger_on=on,
        due_on=add_months(on, months),
        fee=rule.fee,
        late_months=rule.late_months,
        surcharge_rate=rule.surcharge_rate,
        late_fee=rule.late_fee,
    )


def novelty_grace(rule: FilingTypeRule, disclosed_on: date) -> DeadlineSpec | None:
    """The inventor's own public disclosure leaves `months` to file before it destroys novelty."""
    p = rule.novelty_grace
    if p is None:
        return None
    return _period(
        DeadlineKind.NOVELTY_GRACE, "novelty_grace", p, "public_disclosure", disclosed_on, p.months
    )


def priority(rule: FilingTypeRule, filed_on: date) -> DeadlineSpec | None:
    """A first filing opens the Paris priority period to file abroad or by PCT claiming it."""
    p = rule.priority
    if p is None:
        return None
    return _period(DeadlineKind.PRIORITY, "priority", p, "first_filing", filed_on, p.months)


def national_phase(rule: FilingTypeRule, priority_on: date) -> DeadlineSpec | None:
    """A PCT application enters the national phase within `months` of its priority date."""
    p = rule.national_phase
    if p is None:
        return None
    return _period(
        DeadlineKind.NATIONAL_PHASE, "national_phase", p, "priority_date", priority_on, p.months
    )


def office_action_response(rule: FilingTypeRule, number: int, received_on: date) -> DeadlineSpec:
    p = rule.office_action
    if p is None:
        raise ValueError(f"{rule.name} has no office-action rule")
    key = f"office_action_response-{number}"
    return _period(DeadlineKind.OFFICE_ACTION, key, p, "office_action", received_on, p.months)


def grant_fee(rule: FilingTypeRule, allowed_on: date) -> DeadlineSpec | None:
    """A notice of allowance leaves `months` to pay the grant fee (with the first annuities)."""
    p = rule.grant_fee
    if p is None:
        return None
    return _period(DeadlineKind.GRANT_FEE, "grant_fee", p, "allowance", allowed_on, p.months)


def expiry(rule: FilingTypeRule, filed_on: date, granted_on: date | None) -> date | None:
    """The last day of the statutory term, its anniversary (None: renewable without end, or
    not known before the grant)."""
    if rule.term_years is None:
        return None
    start = filed_on if rule.term_from == "filing" else granted_on
    return None if start is None else add_years(start, rule.term_years)


def annuity_block(
    rule: AnnuityRule, granted_on: date, block: int, expires_on: date | None
) -> DeadlineSpec | None:
    """Block `block` (2, 3, ...; the first is paid with the grant fee): due on the grant's
    anniversary that starts it; None when the term ends before it would start."""
    if block < 2:
        raise ValueError("the first block of annuities is paid with the grant fee")
    years = rule.paid_with_grant_years + rule.block_years * (block - 2)
    due = add_years(granted_on, years)
    if expires_on is not None and due >= expires_on:
        return None
    return DeadlineSpec(
        kind=DeadlineKind.ANNUITY,
        key=f"annuity-{block}",
        trigger="grant",
        trigger_on=granted_on,
        due_on=due,
        fee=rule.fee,
        late_months=rule.late_months,
        surcharge_rate=rule.surcharge_rate,
        block=block,
    )


def renewal(
    rule: RenewalRule, term_start: date, number: int, expires_on: date | None
) -> DeadlineSpec | None:
    """Renewal `number` (1, 2, ...) is due on the last day of term `number`, its anniversary
    (the period rule: a term of 5 years from X ends on X + 5 years); None when the
    statutory maximum ends with that term (nothing left to renew)."""
    if number < 1:
        raise ValueError("renewals are numbered from 1")
    due = add_years(term_start, rule.term_years * number)
    if expires_on is not None and due >= expires_on:
        return None
    return DeadlineSpec(
        kind=DeadlineKind.RENEWAL,
        key=f"renewal-{number}",
        trigger="term_start",
        trigger_on=term_start,
        due_on=due,
        fee=rule.fee,
        late_months=rule.late_months,
        surcharge_rate=rule.surcharge_rate,
        block=number,
    )


def first_renewal_after(rule: RenewalRule, term_start: date, granted_on: date) -> int:
    """The number of the first renewal due after the grant: terms that ended while the
    application was pending are covered by the grant itself."""
    number = 1
    while add_years(term_start, rule.term_years * number) <= granted_on:
        number += 1
    return number


def use_declaration(rule: FilingTypeRule, granted_on: date) -> DeadlineSpec | None:
    u = rule.use_declaration
    if u is None:
        return None
    return DeadlineSpec(
        kind=DeadlineKind.USE_DECLARATION,
        key="use_declaration",
        trigger="grant",
        trigger_on=granted_on,
        due_on=add_months(granted_on, 12 * u.after_years + u.within_months),
        fee=u.fee,
        late_months=u.late_months,
        surcharge_rate=u.surcharge_rate,
    )


def late_period(missed: DeadlineSpec) -> DeadlineSpec | None:
    """The late deadline a missed one opens, if its rule has a late period: the same act, due
    `late_months` after the original due date, with the surcharge on the fee."""
    if missed.late or missed.late_months == 0:
        return None
    return DeadlineSpec(
        kind=missed.kind,
        key=f"{missed.key}-late",
        trigger="missed",
        trigger_on=missed.due_on,
        due_on=add_months(missed.due_on, missed.late_months),
        fee=missed.fee,
        surcharge=surcharge(missed.fee, missed.surcharge_rate, missed.late_fee),
        block=missed.block,
        late=True,
    )


class Outcome(StrEnum):
    OPEN = "open"
    MET = "met"
    MISSED = "missed"
    SUPERSEDED = "superseded"


class Deadline(BaseModel):
    """A deadline a filing recorded: its rule's numbers are kept with it, so a late period is
    computed from what the deadline said when it opened."""

    id: str
    kind: DeadlineKind
    trigger: str
    trigger_on: date
    opened_on: date
    due_on: date
    reminders: list[date]
    announced: list[date] = []
    fee: Decimal | None = None
    surcharge: Decimal | None = None
    late_months: int = 0
    surcharge_rate: Decimal = Decimal("0")
    late_fee: Decimal | None = None
    block: int | None = None
    late: bool = False
    outcome: Outcome = Outcome.OPEN
    closed_on: date | None = None

    @property
    def is_open(self) -> bool:
        return self.outcome is Outcome.OPEN

    @classmethod
    def of(cls, spec: DeadlineSpec, opened_on: date, reminders: list[date]) -> Deadline:
        return cls(
            id=spec.key,
            kind=spec.kind,
            trigger=spec.trigger,
            trigger_on=spec.trigger_on,
            opened_on=opened_on,
            due_on=spec.due_on,
            reminders=reminders,
            fee=spec.fee,
            surcharge=spec.surcharge,
            late_months=spec.late_months,
            surcharge_rate=spec.surcharge_rate,
            late_fee=spec.late_fee,
            block=spec.block,
            late=spec.late,
        )

    def spec(self) -> DeadlineSpec:
        return DeadlineSpec(
            kind=self.kind,
            key=self.id,
            trigger=self.trigger,
            trigger_on=self.trigger_on,
            due_on=self.due_on,
            fee=self.fee,
            surcharge=self.surcharge,
            late_months=self.late_months,
            surcharge_rate=self.surcharge_rate,
            late_fee=self.late_fee,
            block=self.block,
            late=self.late,
        )

    @property
    def amount_due(self) -> Decimal:
        """What meeting it costs in MXN: the fee and, in a late period, the surcharge."""
        return (self.fee or Decimal("0")) + (self.surcharge or Decimal("0"))

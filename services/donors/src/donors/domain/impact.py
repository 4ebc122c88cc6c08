"""What the money did: a fund's history (domain/history.py) read for a donor, for one donation,
for all of an association's, and for a month or a year.

- balances over time: each sub-fund at the end of every month with a movement;
- inflows: every registered inflow (members' deposits, grants, temporary contributions, matching
  payments) less refunds and reversals; a donation's share is what the fund kept of it divided
  by those inflows up to the day asked;
- Competition Sub-Fund spending by purpose [¶72]; development withdrawals as a total;
- lent and repaid [¶75-¶78]: what the fund paid on loan instalments for its borrowers and what
  they paid back; `turns` is repaid / inflows, how many times the fund's money has gone round;
- notices of non-fulfillment [¶77] as a count (never who).

Which report a donation is in (`report_month`): the month funds booked it, which is the month
it was made unless the booking came late; a booking in a later month than the donation is a
**late booking** of its month, shown in the later month's report (a month's report, once the
month is over, is never changed) and counted in its own month by the year's report. The
figures of a report are as they stood at the end of its period (`as_of`): a refund or a pledge
paid afterwards is in the report of its own period, not in this one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal

from donors.domain import history as h
from donors.domain.history import FundHistory, Movement

#: Inflow kinds that are members' own money (the rest is given by supporters).
MEMBER_KINDS = frozenset({"member_deposit", "deposit_sheet"})


@dataclass(frozen=True)
class MonthBalance:
    month: str
    development: int
    competition: int


@dataclass
class FundView:
    fund_id: str
    start: date | None
    end: date | None
    balances: list[MonthBalance] = field(default_factory=list)
    development: int = 0
    competition: int = 0
    inflows: int = 0
    from_members: int = 0
    from_supporters: int = 0
    refunded_or_reversed: int = 0
    competition_by_purpose: dict[str, int] = field(default_factory=dict)
    withdrawals: int = 0
    paid_for_borrowers: int = 0
    repaid_by_borrowers: int = 0
    temporary_returned: int = 0
    notices: int = 0

    @property
    def turns(self) -> Decimal:
        if self.inflows <= 0:
            return Decimal(0)
        return (Decimal(self.repaid_by_borrowers) / Decimal(self.inflows)).quantize(
            Decimal("0.0001")
        )


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_after(month: str) -> str:
    year, m = (int(x) for x in month.split("-"))
    return f"{year + (m == 12):04d}-{m % 12 + 1:02d}"


def report_month(booked_at: datetime, reported_through: str | None) -> str:
    """The month whose report a donation booked at `booked_at` is in: the month of the booking,
    or, should that month's report have been announced already (the shared clock's scheduler
    ran between funds' booking and donors hearing of it), the first month not yet announced."""
    month = month_of(booked_at.date())
    if reported_through is not None and month <= reported_through:
        return month_after(reported_through)
    return month


def as_of(end: date) -> datetime:
    """The instant a period's report stands at: the first moment after its last day (UTC)."""
    return datetime.combine(date.fromordinal(end.toordinal() + 1), time(), tzinfo=UTC)


def within(m: Movement, start: date | None, end: date | None) -> bool:
    return (start is None or m.on >= start) and (end is None or m.on <= end)


def fund_view(history: FundHistory, start: date | None = None, end: date | None = None) -> FundView:
    """The fund from its first movement to `end` (balances), with the flows of [start, end]."""
    view = FundView(fund_id=history.id, start=start, end=end, notices=history.notices)
    dev = comp = 0
    months: dict[str, MonthBalance] = {}
    for m in sorted(history.movements, key=lambda x: (x.on, x.entry_id)):
        if end is not None and m.on > end:
            break
        dev, comp = dev + m.development, comp + m.competition
        months[month_of(m.on)] = MonthBalance(month_of(m.on), dev, comp)
        if within(m, start, end):
            _flow(view, m)
    view.balances = [months[k] for k in sorted(months)]
    view.development, view.competition = dev, comp
    return view


def _flow(view: FundView, m: Movement) -> None:
    if m.kind == h.INFLOW:
        view.inflows += m.total
        if m.inflow_kind in MEMBER_KINDS:
            view.from_members += m.total
        else:
            view.from_supporters += m.total
    elif m.kind == h.REVERSAL:
        view.inflows += m.total  # negative
        view.from_supporters += m.total
        view.refunded_or_reversed -= m.total
    elif m.kind == h.COMPETITION_SPEND:
        purpose = m.purpose or "unspecified"
        view.competition_by_purpose[purpose] = view.competition_by_purpose.get(purpose, 0) - m.total
    elif m.kind == h.WITHDRAWAL:
        view.withdrawals -= m.total
    elif m.kind == h.REPAYMENT:
        view.paid_for_borrowers -= m.total
    elif m.kind == h.REPLENISHMENT:
        view.repaid_by_borrowers += m.total
    elif m.kind == h.TEMPORARY_RETURN:
        view.temporary_returned -= m.total


def share(kept_cents: int, inflows_cents: int) -> Decimal:
    """A donation's share of the fund's inflows, four decimals (0 when there were none)."""
    if inflows_cents <= 0 or kept_cents <= 0:
        return Decimal(0)
    return min(Decimal(1), Decimal(kept_cents) / Decimal(inflows_cents)).quantize(Decimal("0.0001"))


def period_bounds(period: str) -> tuple[date, date]:
    """`YYYY` or `YYYY-MM` -> its first and last day (ValueError otherwise)."""
    parts = period.split("-")
    if len(parts) == 1 and len(parts[0]) == 4 and parts[0].isdigit():
        year = int(parts[0])
        return date(year, 1, 1), date(year, 12, 31)
    if len(parts) == 2 and len(parts[0]) == 4 and parts[0].isdigit() and len(parts[1]) == 2:
        year, month = int(parts[0]), int(parts[1])
        first = date(year, month, 1)
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        return first, date.fromordinal(nxt.toordinal() - 1)
    raise ValueError("a period is YYYY or YYYY-MM")


def totals(views: Iterable[FundView]) -> dict[str, int]:
    out = {"inflows": 0, "paid_for_borrowers": 0, "repaid_by_borrowers": 0, "notices": 0}
    for v in views:
        out["inflows"] += v.inflows
        out["paid_for_borrowers"] += v.paid_for_borrowers
        out["repaid_by_borrowers"] += v.repaid_by_borrowers
        out["notices"] += v.notices
    return out

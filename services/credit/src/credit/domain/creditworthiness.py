"""A lender's view of micro-enterprise creditworthiness, the programme's stated aim [¶88, ¶90]:
what a bank reads to judge whether the groups are clients worth lending to.

Computed, as of a day, from the loans the lender holds now (a line taken over brings the loans
not yet repaid with it) and the groups it lends to:

- **outstanding principal**, and **PAR30 / PAR90**: the share of it in loans more than 30 / 90
  days past due;
- **vintage curves**: loans grouped by the month they were disbursed; for each month since
  (0 = the disbursement month itself), the share of the cohort's principal repaid by that
  month's last day (the lender's view: by the day it was paid, `settled_on`);
- **each group's repayment record** (over every loan of the group, whoever lent it): its loans
  (disbursed, active, repaid), its instalments fallen due paid on time (settled by the due
  date), paid late, or still unpaid, the days late (total over the late and unpaid ones, an
  unpaid one counting until the day, and the worst), and its current state (the delinquency
  bucket of its worst active loan, or `closed` when none is active);
- the **step-ups earned**: loans repaid on time by the borrower [¶84], each entitling its
  borrower to ask next for up to 1.5 x its amount, and the line reviews that raised the line
  [¶80] (with the lender of record on the review's day).

Shares are Decimal rounded half-even to four places; money to the centavo.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from credit.domain.delinquency import Exposure, bucket, portfolio_at_risk
from credit.domain.line import CreditLine
from credit.domain.loan import InstalmentStatus, Loan, LoanStatus
from credit.domain.schedule import cents

SHARE = Decimal("0.0001")


def share(part: Decimal, whole: Decimal) -> Decimal:
    return (
        Decimal(0).quantize(SHARE)
        if whole == 0
        else (part / whole).quantize(SHARE, ROUND_HALF_EVEN)
    )


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_end(month: str, plus: int) -> date:
    """The last day of the month `plus` months after `month` (YYYY-MM)."""
    year, mon = int(month[:4]), int(month[5:7])
    index = mon - 1 + plus
    year, mon = year + index // 12, index % 12 + 1
    return date(year, mon, calendar.monthrange(year, mon)[1])


def months_between(month: str, day: date) -> int:
    return (day.year - int(month[:4])) * 12 + day.month - int(month[5:7])


@dataclass(frozen=True)
class Vintage:
    """The loans disbursed in `month`: `repaid_share[k]` is the share of their principal repaid
    by the end of the k-th month after it (k = 0: the disbursement month)."""

    month: str
    loans: int
    disbursed: Decimal
    repaid_share: list[Decimal]


@dataclass(frozen=True)
class StepUp:
    """A loan repaid on time by its borrower [¶84]: they may ask next for 1.5 x its amount."""

    loan_id: str
    borrower_kind: str
    borrower_id: str
    amount: Decimal
    repaid_on: date
    may_borrow_up_to: Decimal


@dataclass(frozen=True)
class LineRaise:
    """A review that raised the line [¶80], with the lender of record on its day."""

    reviewed_on: date
    previous_limit: Decimal
    limit: Decimal
    lender: str


@dataclass
class GroupRecord:
    group_id: str
    state: str | None
    loans: int = 0
    active_loans: int = 0
    repaid_loans: int = 0
    outstanding_principal: Decimal = Decimal(0)
    instalments_due: int = 0
    paid_on_time: int = 0
    paid_late: int = 0
    unpaid: int = 0
    days_late_total: int = 0
    days_late_max: int = 0
    days_past_due: int = 0
    current_state: str = "closed"
    step_ups: list[StepUp] = field(default_factory=list)
    line_raises: list[LineRaise] = field(default_factory=list)


@dataclass(frozen=True)
class Creditworthiness:
    lender: str
    as_of: date
    outstanding_principal: Decimal
    par30: Decimal
    par90: Decimal
    loans: int
    groups: int
    step_ups_earned: int
    line_raises: int
    vintages: list[Vintage]
    records: list[GroupRecord]


def vintages(loans: Iterable[Loan], today: date) -> list[Vintage]:
    cohorts: dict[str, list[Loan]] = {}
    for loan in loans:
        if loan.disbursed_on is not None and loan.disbursed_on <= today:
            cohorts.setdefault(month_of(loan.disbursed_on), []).append(loan)
    out = []
    for month, members in sorted(cohorts.items()):
        disbursed = sum((x.amount for x in members), Decimal(0))
        curve = []
        for k in range(months_between(month, today) + 1):
            end = min(month_end(month, k), today)
            repaid = sum(
                (
                    i.principal
                    for x in members
                    for i in x.instalments
                    if i.status is InstalmentStatus.PAID and i.settled_on and i.settled_on <= end
                ),
                Decimal(0),
            )
            curve.append(share(repaid, disbursed))
        out.append(
            Vintage(month=month, loans=len(members), disbursed=cents(disbursed), repaid_share=curve)
        )
    return out


def group_record(
    group_id: str,
    loans: Sequence[Loan],
    line: CreditLine | None,
    today: date,
    repeat_multiple: Decimal,
) -> GroupRecord:
    record = GroupRecord(group_id=group_id, state=loans[0].state if loans else None)
    worst = -1
    for loan in loans:
        if loan.status in (LoanStatus.APPLIED, LoanStatus.APPROVED, LoanStatus.REJECTED):
            continue  # never lent: no record of repayment
        record.loans += 1
        if loan.status is LoanStatus.ACTIVE:
            record.active_loans += 1
            record.outstanding_principal += loan.outstanding_principal
            worst = max(worst, loan.days_past_due(today))
        elif loan.status is LoanStatus.REPAID:
            record.repaid_loans += 1
        for inst in loan.instalments:
            if inst.status is InstalmentStatus.PAID:
                record.instalments_due += 1
                if inst.days_late > 0:
                    record.paid_late += 1
                    record.days_late_total += inst.days_late
                    record.days_late_max = max(record.days_late_max, inst.days_late)
                else:
                    record.paid_on_time += 1
            elif inst.status in (InstalmentStatus.DUE, InstalmentStatus.OVERDUE):
                record.instalments_due += 1
                record.unpaid += 1
                late = max(0, (today - inst.due_date).days)
                record.days_late_total += late
                record.days_late_max = max(record.days_late_max, late)
        if loan.status is LoanStatus.REPAID and loan.on_time and loan.repaid_on:
            record.step_ups.append(
                StepUp(
                    loan_id=loan.id,
                    borrower_kind=loan.borrower_kind,
                    borrower_id=loan.borrower_id,
                    amount=loan.amount,
                    repaid_on=loan.repaid_on,
                    may_borrow_up_to=cents(loan.amount * repeat_multiple),
                )
            )
    if worst >= 0:
        record.days_past_due, record.current_state = worst, bucket(worst)
    if line is not None:
        record.state = record.state or line.state
        record.line_raises = [
            LineRaise(
                reviewed_on=r.reviewed_on,
                previous_limit=r.previous_limit,
                limit=r.limit,
                lender=line.lender_on(r.reviewed_on),
            )
            for r in line.reviews
            if r.limit > r.previous_limit
        ]
    return record


def creditworthiness(
    lender: str,
    loans: Iterable[Loan],
    lines: Iterable[CreditLine],
    group_loans: Mapping[str, Sequence[Loan]],
    today: date,
    repeat_multiple: Decimal,
) -> Creditworthiness:
    """The whole view (every group: the caller pages it). The portfolio figures (outstanding,
    PAR, vintages) are over `loans`, those the lender holds now; the repayment records are of
    every group it lends to or whose line it holds, each over all the group's loans
    (`group_loans`), whoever lent them: a bank that took a line over reads the record the
    group built with NAFIN, which is what shows it a client worth lending to [¶90]."""
    held = [x for x in loans if x.lender == lender]
    line_of = {x.id: x for x in lines if x.lender == lender}
    groups = sorted({x.group_id for x in held} | set(line_of))
    records = [
        group_record(gid, group_loans.get(gid, []), line_of.get(gid), today, repeat_multiple)
        for gid in groups
    ]
    active = [x for x in held if x.status is LoanStatus.ACTIVE]
    exposures = [Exposure(x.outstanding_principal, x.days_past_due(today)) for x in active]
    outstanding = sum((e.outstanding_principal for e in exposures), Decimal(0))
    return Creditworthiness(
        lender=lender,
        as_of=today,
        outstanding_principal=cents(outstanding),
        par30=portfolio_at_risk(exposures, 30).quantize(SHARE, ROUND_HALF_EVEN),
        par90=portfolio_at_risk(exposures, 90).quantize(SHARE, ROUND_HALF_EVEN),
        loans=len([x for x in held if x.disbursed_on is not None]),
        groups=len(records),
        step_ups_earned=sum(len(r.step_ups) for r in records),
        line_raises=sum(len(r.line_raises) for r in records),
        vintages=vintages(held, today),
        records=records,
    )

"""How a group met its commitments by a review date, read from its loans [¶80].

A review dated D judges every instalment that fell due before D, whenever it fell due: one not
settled before D was still overdue at the review (however long ago it fell due, and even if it
was settled since: what the review judges is the day D); one settled late within the period was
late but is cured. The view is consistent: while an instalment it judges is still waiting for the
fund's answer (announced, no payment nor failure known yet) the review waits, because that answer
may carry a settlement day before D.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from credit.domain.credit_line import PeriodConduct
from credit.domain.loan import InstalmentStatus, Loan

IN_FLIGHT = (InstalmentStatus.SCHEDULED, InstalmentStatus.DUE)


def in_flight(loans: Iterable[Loan], before: date) -> list[str]:
    """The instalments due before `before` whose fate is not known yet ("loan#n")."""
    return [
        f"{loan.id}#{inst.number}"
        for loan in loans
        for inst in loan.instalments
        if inst.due_date < before and inst.status in IN_FLIGHT
    ]


def conduct_in(loans: Iterable[Loan], start: date, end: date) -> PeriodConduct | None:
    """The conduct judged by the review dated `end` (its period began on `start`); None while an
    instalment it judges is in flight."""
    loans = list(loans)
    if in_flight(loans, end):
        return None
    late = still = oldest = 0
    for loan in loans:
        for inst in loan.instalments:
            if inst.due_date >= end:
                continue
            settled = inst.settled_on
            if settled is None or settled >= end:
                still += 1
                late += 1
                oldest = max(oldest, (end - inst.due_date).days)
            elif settled > inst.due_date and settled >= start:
                late += 1
    return PeriodConduct(
        instalments_overdue_in_period=late,
        instalments_still_overdue=still,
        oldest_days_past_due=oldest,
    )

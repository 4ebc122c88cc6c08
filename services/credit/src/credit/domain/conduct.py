"""How a group met its commitments in a review period, read from its loans."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from credit.domain.credit_line import PeriodConduct
from credit.domain.loan import InstalmentStatus, Loan


def conduct_in(loans: Iterable[Loan], start: date, end: date) -> PeriodConduct:
    late = still = 0
    for loan in loans:
        for inst in loan.instalments:
            if not start <= inst.due_date < end:
                continue
            if inst.status is InstalmentStatus.OVERDUE:
                still += 1
                late += 1
            elif inst.was_late:
                late += 1
    return PeriodConduct(instalments_overdue_in_period=late, instalments_still_overdue=still)

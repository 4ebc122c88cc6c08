"""A group's period sheet: who owes a result for the period, and what makes a sheet wrong.
The sheet is judged as a whole; every problem is reported, and none is recorded."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from enrollment.domain.business_plan import PlanTerms
from enrollment.domain.periods import CENTAVO, Period, months_between

NOT_DUE = "owes no result for this period (no plan for it, or not a member when it began)"
CLOSED = "already closed; send a correction instead"
BAD_AMOUNT = "income must be zero or more, in pesos and centavos"
MISSING = "missing: every member's income is needed"


def members_due(
    plans: Mapping[str, PlanTerms], was_member_on: Callable[[str, date], bool], period: Period
) -> dict[str, PlanTerms]:
    """The members who owe a result for `period`: a plan whose periods include it, and a member
    of the group on its first day (one who left during the period still owes it)."""
    due: dict[str, PlanTerms] = {}
    for participant_id, plan in plans.items():
        offset = months_between(plan.start_date, period.start)
        if plan.period_months != period.months or offset < 0 or offset % plan.period_months:
            continue
        if was_member_on(participant_id, period.start):
            due[participant_id] = plan
    return due


def _valid_amount(income: Decimal) -> bool:
    return income.is_finite() and income >= 0 and income == income.quantize(CENTAVO)


def sheet_problems(
    sheet: Mapping[str, Decimal],
    due: Collection[str],
    closed: Collection[str],
    recorded: Collection[str],
) -> list[dict[str, Any]]:
    """Each line's problem: listed but not due, already closed, a bad amount; or a due member
    neither listed nor with an income recorded before."""
    problems: list[tuple[str, str]] = []
    for participant_id, income in sorted(sheet.items()):
        if participant_id not in due:
            problems.append((participant_id, NOT_DUE))
        elif participant_id in closed:
            problems.append((participant_id, CLOSED))
        elif not _valid_amount(income):
            problems.append((participant_id, BAD_AMOUNT))
    for participant_id in sorted(due):
        if participant_id not in sheet and participant_id not in recorded:
            problems.append((participant_id, MISSING))
    return [{"participant_id": p, "problem": text} for p, text in problems]

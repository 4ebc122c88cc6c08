"""The revolving credit line of a project group and its ODF [¶79-¶80].

Opened at twice what the group deposited in its fund's first three months; reviewed every six
months: doubled when no instalment of the group was overdue in the period, kept when one was late
but is cured, halved when any is still overdue at the review, whenever it fell due (RULES.md,
clarifications); never above 64 x the initial deposit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from credit.domain.schedule import cents


class ReviewOutcome(StrEnum):
    DOUBLED = "doubled"
    HELD = "held"
    HALVED = "halved"


@dataclass(frozen=True)
class LineTerms:
    opening_multiple: Decimal = Decimal(2)
    cap_multiple: Decimal = Decimal(64)
    review_months: int = 6


@dataclass(frozen=True)
class PeriodConduct:
    """How the group met its commitments by a review date: instalments late in the period
    (cured in it, or still overdue at the review, whenever they fell due), those still overdue,
    and how many days past due the oldest of these was at the review."""

    instalments_overdue_in_period: int
    instalments_still_overdue: int
    oldest_days_past_due: int = 0


def opening_limit(initial_deposit: Decimal, terms: LineTerms) -> Decimal:
    if initial_deposit <= 0:
        raise ValueError("a credit line opens only on a positive initial deposit")
    return cents(initial_deposit * terms.opening_multiple)


def review(
    limit: Decimal, initial_deposit: Decimal, conduct: PeriodConduct, terms: LineTerms
) -> tuple[ReviewOutcome, Decimal, str]:
    """The outcome, the new limit and the reason, by the rule in RULES.md."""
    cap = cents(initial_deposit * terms.cap_multiple)
    if conduct.instalments_still_overdue > 0:
        return (
            ReviewOutcome.HALVED,
            cents(limit / 2),
            f"{conduct.instalments_still_overdue} instalment(s) still overdue"
            + (
                f", the oldest {conduct.oldest_days_past_due} days past due"
                if conduct.oldest_days_past_due
                else ""
            ),
        )
    if conduct.instalments_overdue_in_period > 0:
        return (
            ReviewOutcome.HELD,
            limit,
            f"{conduct.instalments_overdue_in_period} instalment(s) were late but are cured",
        )
    doubled = min(cents(limit * 2), cap)
    if doubled == limit:
        return ReviewOutcome.HELD, limit, f"already at the cap of {cap} (64 x initial deposit)"
    reason = "every instalment paid on time"
    if doubled == cap:
        reason += f"; capped at {cap} (64 x initial deposit)"
    return ReviewOutcome.DOUBLED, doubled, reason

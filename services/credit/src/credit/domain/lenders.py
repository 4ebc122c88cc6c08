"""Who lends on a line, and since when: the lender of record and its takeover by a partner
bank [¶83, ¶90].

NAFIN opens every line; over time partner banks replace it, taking the credit risk. A takeover
is an agreement between two lenders, never a decision of the group [¶55]: the bank offers to
take the line over from a date, and the current lender of record consents. From that date the
bank is the lender of record of the line *and* of every loan on it not yet repaid (the line is
one revolving facility whose available amount counts those loans: the lender that sets its
limit carries them), so the fund pays it each instalment falling due from then on; what fell
due before stays the previous lender's. Each loan keeps the schedule and the rate it was
disbursed with [¶89]; a loan applied for but not disbursed yet needs the new lender's approval.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel


class LenderOfRecord(BaseModel):
    """One lender in the history of a line or a loan, from `since` (inclusive). `announced` is
    False for a takeover agreed for a later day, until it takes effect."""

    lender: str
    since: date
    agreed_on: date | None = None
    announced: bool = True


class TakeoverOffer(BaseModel):
    """A partner bank's offer to take the line over from `effective_on`, awaiting the consent of
    the current lender of record."""

    lender: str
    effective_on: date
    offered_on: date
    offered_by: str


def lender_on(history: Sequence[LenderOfRecord], day: date) -> str:
    """The lender of record on `day`: the latest entry that began on or before it (the first
    entry covers anything earlier, e.g. a loan's application before its line's opening)."""
    found = history[0].lender
    for entry in history:
        if entry.since <= day:
            found = entry.lender
    return found

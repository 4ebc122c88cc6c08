"""The credit line aggregate: opened once per group, reviewed every six months [¶79-¶80]."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, PrivateAttr

from credit.domain.credit_line import LineTerms, PeriodConduct, opening_limit, review
from credit.domain.schedule import add_months, cents
from megp_common.aggregate import Aggregate
from megp_common.contracts import credit as ev
from megp_common.groups import GroupRecord as SharedGroupRecord


class Review(BaseModel):
    reviewed_on: date
    outcome: str
    previous_limit: Decimal
    limit: Decimal
    reason: str


class CreditLine(Aggregate):
    """Its id is the project group's id: one line per group and its ODF."""

    state: str | None = None
    odf_id: str | None = None
    lender: str
    initial_deposit: Decimal
    limit: Decimal
    cap: Decimal
    opened_on: date
    next_review_on: date
    reviews: list[Review] = []
    review_waits_for: list[str] = []  # instalments ("loan#n") the next review awaits funds for

    _waiting_changed: bool = PrivateAttr(default=False)

    def partition_key(self) -> str:
        return self.id

    def state_code(self) -> str | None:
        return self.state

    @classmethod
    def open(
        cls,
        *,
        group_id: str,
        state: str | None,
        odf_id: str | None,
        lender: str,
        initial_deposit: Decimal,
        opened_on: date,
        terms: LineTerms,
    ) -> CreditLine:
        limit = opening_limit(initial_deposit, terms)
        line = cls(
            id=group_id,
            state=state,
            odf_id=odf_id,
            lender=lender,
            initial_deposit=initial_deposit,
            limit=limit,
            cap=cents(initial_deposit * terms.cap_multiple),
            opened_on=opened_on,
            next_review_on=add_months(opened_on, terms.review_months),
        )
        line.record(
            ev.CreditLineOpened(
                group_id=group_id,
                state_code=state,
                line_id=group_id,
                odf_id=odf_id,
                lender=lender,
                initial_deposit=initial_deposit,
                limit=limit,
                cap=line.cap,
                next_review_on=line.next_review_on,
            )
        )
        return line

    def review_period(self) -> tuple[date, date]:
        start = self.reviews[-1].reviewed_on if self.reviews else self.opened_on
        return start, self.next_review_on

    @property
    def changed_waiting(self) -> bool:
        return self._waiting_changed

    def wait_for(self, instalments: list[str]) -> None:
        """The review due is deferred: these instalments it judges still await funds' answer."""
        if instalments != self.review_waits_for:
            self.review_waits_for, self._waiting_changed = instalments, True

    def review(self, today: date, conduct: PeriodConduct, terms: LineTerms) -> bool:
        """Apply the review that fell due, if one did; True when it did."""
        if today < self.next_review_on:
            return False
        self.wait_for([])
        outcome, limit, reason = review(self.limit, self.initial_deposit, conduct, terms)
        reviewed_on = self.next_review_on
        self.reviews.append(
            Review(
                reviewed_on=reviewed_on,
                outcome=outcome.value,
                previous_limit=self.limit,
                limit=limit,
                reason=reason,
            )
        )
        previous, self.limit = self.limit, limit
        # counted from the opening, so month ends do not drift (Sep 30 -> Mar 31, not Mar 30)
        self.next_review_on = add_months(
            self.opened_on, terms.review_months * (len(self.reviews) + 1)
        )
        self.record(
            ev.CreditLineReviewed(
                group_id=self.id,
                state_code=self.state,
                line_id=self.id,
                outcome=outcome.value,
                previous_limit=previous,
                limit=limit,
                reason=reason,
                reviewed_on=reviewed_on,
                next_review_on=self.next_review_on,
            )
        )
        return True


#: What credit knows of a project group from enrollment (its ODF, state, board, active members
#: who alone may borrow or lease on its line, and its Support Committee who never decide for it
#: [¶55]): the platform's one group record, kept by megp_common.group_events.
GroupRecord = SharedGroupRecord

"""The credit line aggregate: opened once per group, reviewed every six months [¶79-¶80]."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, PrivateAttr, model_validator

from credit.domain.credit_line import LineTerms, PeriodConduct, opening_limit, review
from credit.domain.errors import CreditRuleViolation, InvalidTransition
from credit.domain.lenders import LenderOfRecord, TakeoverOffer, lender_on
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
    #: every lender of record with its from-date (the first is the opening lender); `lender`
    #: is the one in effect now
    lenders: list[LenderOfRecord] = []
    takeover_offer: TakeoverOffer | None = None

    _waiting_changed: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _history_from_lender(self) -> CreditLine:
        # a document written before the history existed: its lender since the opening
        if not self.lenders:
            self.lenders = [LenderOfRecord(lender=self.lender, since=self.opened_on)]
        return self

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

    # -- the lender of record [¶83, ¶90] (domain/lenders.py)

    def lender_on(self, day: date) -> str:
        """The lender of record on `day`, an agreed takeover included from its date."""
        return lender_on(self.lenders, day)

    @property
    def agreed_takeover(self) -> LenderOfRecord | None:
        """A takeover agreed that has not taken effect yet."""
        return next((x for x in self.lenders if not x.announced), None)

    def offer_takeover(self, lender: str, effective_on: date, today: date, by: str) -> None:
        """A partner bank offers to take the line over from `effective_on` (today or later: the
        instalments the fund already paid stay paid to whom it paid them)."""
        if effective_on < today:
            raise CreditRuleViolation(
                f"a takeover takes effect today or later, not on {effective_on} (today is "
                f"{today}): what fell due before stays the current lender's",
                rule="¶83",
            )
        last_review = self.reviews[-1].reviewed_on if self.reviews else self.opened_on
        if effective_on < last_review:
            raise CreditRuleViolation(
                f"a takeover cannot begin before the line's last review, {last_review}",
                rule="¶80",
            )
        if self.agreed_takeover is not None:
            agreed = self.agreed_takeover
            raise InvalidTransition(f"the line passes to {agreed.lender} on {agreed.since} already")
        if lender == self.lender:
            raise InvalidTransition(f"{lender} is already the lender of record of this line")
        offer = self.takeover_offer
        if offer is not None and offer.lender != lender:
            raise InvalidTransition(
                f"{offer.lender} offered to take this line over first; the lender of record "
                "answers that offer before another"
            )
        self.takeover_offer = TakeoverOffer(
            lender=lender, effective_on=effective_on, offered_on=today, offered_by=by
        )

    def consent_to_takeover(self, today: date) -> LenderOfRecord:
        """The current lender of record consents: the offer becomes the agreed takeover."""
        offer = self.takeover_offer
        if offer is None:
            raise InvalidTransition("no bank has offered to take this line over")
        if offer.effective_on < today:
            raise CreditRuleViolation(
                f"the offer's date, {offer.effective_on}, has passed; the bank offers again",
                rule="¶83",
            )
        agreed = LenderOfRecord(
            lender=offer.lender, since=offer.effective_on, agreed_on=today, announced=False
        )
        self.lenders.append(agreed)
        self.takeover_offer = None
        return agreed

    def decline_takeover(self) -> TakeoverOffer:
        offer = self.takeover_offer
        if offer is None:
            raise InvalidTransition("no bank has offered to take this line over")
        self.takeover_offer = None
        return offer

    def takeover_due(self, today: date) -> LenderOfRecord | None:
        agreed = self.agreed_takeover
        return agreed if agreed is not None and agreed.since <= today else None

    def take_over(self, loan_ids: list[str]) -> None:
        """The agreed takeover takes effect (its day has come); `loan_ids` moved with it."""
        agreed = self.agreed_takeover
        if agreed is None:
            return
        previous, self.lender, agreed.announced = self.lender, agreed.lender, True
        self.record(
            ev.CreditLineTakenOver(
                group_id=self.id,
                state_code=self.state,
                line_id=self.id,
                previous_lender=previous,
                lender=agreed.lender,
                effective_on=agreed.since,
                agreed_on=agreed.agreed_on or agreed.since,
                loan_ids=loan_ids,
            )
        )


#: What credit knows of a project group from enrollment (its ODF, state, board, active members
#: who alone may borrow or lease on its line, and its Support Committee who never decide for it
#: [¶55]): the platform's one group record, kept by megp_common.group_events.
GroupRecord = SharedGroupRecord

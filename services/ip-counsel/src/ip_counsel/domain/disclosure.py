"""An invention disclosure [¶3, ¶57]: who invented it and in which shares, its group, its
sector, any own public disclosure already made, and its revisions, kept sealed.

Metadata and content are apart. Metadata (the id, the inventors and their shares, the group
and its state, the sector, the status, dates, the counsellor, the reviews' scores and
outcomes, the inventors' decision) is what anyone entitled to the disclosure's state may know.
Content (each revision's title, field, description, draft claims and known prior art, a
counsellor's advice, a reviewer's comment) is `Sealed`: only the circle of ¶3 (the inventors,
the assigned counsellor, the reviewing committee while the review is open) sees it opened.
The title is content: a title alone ("a cheaper insulin pump") can give an invention away."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel

from ip_counsel.domain.counselling import CounsellingSession
from ip_counsel.domain.decision import Choice, InventorsDecision
from ip_counsel.domain.errors import InvalidTransition, IpRuleViolation, OutsideTheCircle
from ip_counsel.domain.inventors import CoInventor, check_shares
from ip_counsel.domain.people import InnovationCommittee, ParticipantRecord
from ip_counsel.domain.review import FILING_ROUTES, REVISION, Review, ReviewerScore, Route
from ip_counsel.domain.sealed import Sealed, WrappedKey
from megp_common.aggregate import Aggregate
from megp_common.contracts import ip_counsel as ev


class Status(StrEnum):
    RECORDED = "recorded"
    UNDER_REVIEW = "under_review"
    REVIEWED = "reviewed"
    REVISION_REQUESTED = "revision_requested"
    DECIDED = "decided"


class Capacity(StrEnum):
    """Why a caller is inside the circle of ¶3."""

    INVENTOR = "inventor"
    COUNSELLOR = "counsellor"
    REVIEWER = "reviewer"


class Revision(BaseModel):
    number: int
    #: the id of the request that made it (a retry after a crash finds it instead of a twin)
    request_id: str | None = None
    recorded_by: str
    recorded_at: datetime
    sealed: Sealed


class Disclosure(Aggregate):
    group_id: str
    state: str
    sector: str
    inventors: list[CoInventor]
    public_disclosure_on: date | None = None
    status: Status = Status.RECORDED
    key: WrappedKey
    revisions: list[Revision]
    counsellor_id: str | None = None
    sessions: list[CounsellingSession] = []
    reviews: list[Review] = []
    decisions: list[InventorsDecision] = []
    recorded_by: str
    created_at: datetime

    def partition_key(self) -> str:
        return self.group_id

    def state_code(self) -> str | None:
        return self.state

    # -- who

    @property
    def inventor_ids(self) -> set[str]:
        return {i.participant_id for i in self.inventors}

    def is_inventor(self, participant_id: str | None) -> bool:
        return participant_id is not None and participant_id in self.inventor_ids

    def check_inventor(self, participant_id: str | None) -> str:
        if participant_id is None or not self.is_inventor(participant_id):
            raise OutsideTheCircle("only the disclosure's inventors may do this")
        return participant_id

    @property
    def open_review(self) -> Review | None:
        return next((r for r in self.reviews if r.is_open), None)

    def review(self, review_id: str) -> Review | None:
        return next((r for r in self.reviews if r.review_id == review_id), None)

    def capacity(
        self,
        *,
        participant_id: str | None,
        counsellor_id: str | None,
        reviewer_seat: str | None,
    ) -> Capacity | None:
        """The caller's place in the circle of ¶3, or None: an inventor; the counsellor
        assigned (now); a member of the committee whose review is open (now) and who may
        review it (a declared conflict keeps the content closed too)."""
        if self.is_inventor(participant_id):
            return Capacity.INVENTOR
        if counsellor_id is not None and counsellor_id == self.counsellor_id:
            return Capacity.COUNSELLOR
        review = self.open_review
        if review is not None and reviewer_seat is not None:
            return None if reviewer_seat in review.conflicts else Capacity.REVIEWER
        return None

    @property
    def latest(self) -> Revision:
        return self.revisions[-1]

    def revision(self, number: int) -> Revision | None:
        return next((r for r in self.revisions if r.number == number), None)

    # -- verbs

    @classmethod
    def disclose(
        cls,
        disclosure_id: str,
        *,
        group_id: str,
        state: str,
        sector: str,
        inventors: list[CoInventor],
        known: dict[str, ParticipantRecord],
        recorded_by: str,
        public_disclosure_on: date | None,
        key: WrappedKey,
        sealed: Sealed,
        now: datetime,
    ) -> Disclosure:
        check_shares(inventors, known)
        if recorded_by not in {i.participant_id for i in inventors}:
            raise IpRuleViolation(
                "the inventor who records a disclosure is one of its inventors",
                field="inventors",
            )
        if public_disclosure_on is not None and public_disclosure_on > now.date():
            raise IpRuleViolation(
                "a public disclosure already made is dated today or before",
                field="public_disclosure_on",
            )
        disclosure = cls(
            id=disclosure_id,
            group_id=group_id,
            state=state,
            sector=sector,
            inventors=inventors,
            public_disclosure_on=public_disclosure_on,
            key=key,
            revisions=[Revision(number=1, recorded_by=recorded_by, recorded_at=now, sealed=sealed)],
            recorded_by=recorded_by,
            created_at=now,
        )
        disclosure.record(
            ev.DisclosureRecorded(
                disclosure_id=disclosure_id,
                group_id=group_id,
                state_code=state,
                sector=sector,
                inventors=[ev.InventorShare(**i.model_dump()) for i in inventors],
                public_disclosure_on=public_disclosure_on,
                recorded_by=recorded_by,
                recorded_at=now,
            )
        )
        return disclosure

    def next_revision(self) -> int:
        return self.latest.number + 1

    def revise(
        self, sealed: Sealed, by: str, number: int, now: datetime, request_id: str | None = None
    ) -> Revision:
        """A new revision (numbered `number`, `next_revision()`); every earlier one is kept.
        Not while the committee reviews (it reviews one revision) nor once decided."""
        self.check_inventor(by)
        if self.open_review is not None:
            raise InvalidTransition("the disclosure is under review; revise it after the outcome")
        if self.status is Status.DECIDED:
            raise InvalidTransition("the inventors decided on this disclosure already")
        if number != self.next_revision():
            raise InvalidTransition(f"the next revision is {self.next_revision()}, not {number}")
        revision = Revision(
            number=number, request_id=request_id, recorded_by=by, recorded_at=now, sealed=sealed
        )
        self.revisions.append(revision)
        if self.status is Status.REVISION_REQUESTED:
            self.status = Status.RECORDED
        self.record(
            ev.DisclosureRevised(
                disclosure_id=self.id,
                group_id=self.group_id,
                revision=number,
                revised_by=by,
                revised_at=now,
            )
        )
        return revision

    def assign(self, counsellor_id: str, by: str, now: datetime) -> bool:
        """Assign (or replace) the counsellor; False when they are assigned already."""
        if counsellor_id == self.counsellor_id:
            return False
        previous, self.counsellor_id = self.counsellor_id, counsellor_id
        self.record(
            ev.CounsellorAssigned(
                disclosure_id=self.id,
                group_id=self.group_id,
                counsellor_id=counsellor_id,
                previous_counsellor_id=previous,
                assigned_by=by,
                assigned_at=now,
            )
        )
        return True

    def record_session(
        self,
        counsellor_id: str,
        held_on: date,
        route: Route | None,
        advice: Sealed,
        number: int,
        now: datetime,
        request_id: str | None = None,
    ) -> CounsellingSession:
        if counsellor_id != self.counsellor_id:
            raise OutsideTheCircle("only the counsellor assigned records its sessions")
        if held_on > now.date():
            raise IpRuleViolation("a session is recorded once held", field="held_on")
        if number != len(self.sessions) + 1:
            raise InvalidTransition(f"the next session is {len(self.sessions) + 1}")
        session = CounsellingSession(
            number=number,
            request_id=request_id,
            counsellor_id=counsellor_id,
            held_on=held_on,
            route_recommended=route,
            advice=advice,
            recorded_at=now,
        )
        self.sessions.append(session)
        self.record(
            ev.CounsellingSessionRecorded(
                disclosure_id=self.id,
                group_id=self.group_id,
                counsellor_id=counsellor_id,
                number=number,
                held_on=held_on,
                route_recommended=route.value if route else None,
                recorded_at=now,
            )
        )
        return session

    def open_review_by(
        self, review_id: str, committee: InnovationCommittee, by: str, now: datetime
    ) -> Review:
        """The inventors submit the latest revision to their group's Innovation Committee:
        it is their consent to show it to the committee while the review is open [¶3, ¶57]."""
        self.check_inventor(by)
        if self.open_review is not None:
            raise InvalidTransition("a review of this disclosure is open already", rule="¶57")
        if self.status is Status.DECIDED:
            raise InvalidTransition("the inventors decided on this disclosure already")
        if committee.group_id != self.group_id:
            raise IpRuleViolation("the reviewing committee is the disclosure's group's", rule="¶57")
        eligible = [
            s for s in committee.seats.values() if s.participant_id not in self.inventor_ids
        ]
        if not eligible:
            raise IpRuleViolation(
                "the group's Innovation Committee has no member who may review this disclosure",
                rule="¶57",
            )
        review = Review(
            review_id=review_id,
            committee_id=committee.id,
            revision=self.latest.number,
            opened_by=by,
            opened_at=now,
        )
        self.reviews.append(review)
        self.status = Status.UNDER_REVIEW
        self.record(
            ev.ReviewOpened(
                disclosure_id=self.id,
                group_id=self.group_id,
                review_id=review_id,
                committee_id=committee.id,
                revision=review.revision,
                opened_by=by,
                opened_at=now,
            )
        )
        return review

    def record_score(self, review: Review, given: ReviewerScore) -> None:
        """Announce a reviewer's scores (never their comment)."""
        self.record(
            ev.ReviewScored(
                disclosure_id=self.id,
                group_id=self.group_id,
                review_id=review.review_id,
                member_id=given.member_id,
                **given.scores.model_dump(),
                scored_at=given.scored_at,
            )
        )

    def after_conclusion(self, review: Review) -> None:
        """Called once `review` concluded: the status follows its recommendation."""
        assert review.outcome is not None
        revision = review.outcome.recommendation == REVISION
        self.status = Status.REVISION_REQUESTED if revision else Status.REVIEWED
        self.record(
            ev.ReviewConcluded(
                disclosure_id=self.id,
                group_id=self.group_id,
                review_id=review.review_id,
                recommendation=review.outcome.recommendation,
                reviewers=review.outcome.reviewers,
                concluded_by=review.outcome.concluded_by,
                concluded_at=review.outcome.concluded_at,
            )
        )

    def last_recommendation(self) -> str | None:
        concluded = [r for r in self.reviews if r.outcome is not None]
        return concluded[-1].outcome.recommendation if concluded and concluded[-1].outcome else None

    def decide(
        self,
        by: str,
        choice: Choice,
        route: Route | None,
        now: datetime,
        request_id: str | None = None,
    ) -> InventorsDecision:
        """The inventors decide whether and how to protect the invention [¶55]; a later
        decision replaces an earlier one (each is kept). Not while a review is open."""
        self.check_inventor(by)
        if self.open_review is not None:
            raise InvalidTransition("the disclosure is under review; decide after the outcome")
        if choice is Choice.FILE and route not in FILING_ROUTES:
            raise IpRuleViolation(
                f"filing names its route: one of {sorted(FILING_ROUTES)}", field="route"
            )
        if choice is not Choice.FILE and route is not None:
            raise IpRuleViolation("only a decision to file names a route", field="route")
        chosen = {Choice.KEEP_SECRET: Route.TRADE_SECRET, Choice.PUBLISH: Route.PUBLISH}
        taken = route if choice is Choice.FILE else chosen[choice]
        recommended = self.last_recommendation()
        follows = None if recommended is None else recommended == taken
        decision = InventorsDecision(
            request_id=request_id,
            choice=choice,
            route=route,
            follows_recommendation=follows,
            decided_by=by,
            decided_at=now,
        )
        self.decisions.append(decision)
        self.status = Status.DECIDED
        self.record(
            ev.InventorsDecided(
                disclosure_id=self.id,
                group_id=self.group_id,
                choice=choice.value,
                route=route.value if route else None,
                follows_recommendation=follows,
                decided_by=by,
                decided_at=now,
            )
        )
        return decision

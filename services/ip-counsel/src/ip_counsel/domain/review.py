"""The Innovation Committee's review of a disclosure [¶57]: each reviewer scores the invention
on secrecy, originality, excellence, authenticity and its fit with the market niche the group
targets, and comments; the committee concludes with a recommended route or asks for a revision.
The committee recommends; the inventors decide [¶55] (disclosure.py).

Who may not review: a co-inventor of the disclosure (nobody judges their own invention) and a
member who declared a conflict of interest. Both are refused with 403 `conflict-of-interest`
(rule ¶57): it is the reviewer who is refused, not what they sent."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from ip_counsel.domain.errors import InvalidTransition, IpRuleViolation
from ip_counsel.domain.people import CommitteeSeat
from ip_counsel.domain.sealed import Sealed
from megp_common.refusals import Forbidden

RULE: Final = "¶57"
SCORE_MIN: Final = 1
SCORE_MAX: Final = 5
CRITERIA: Final = ("secrecy", "originality", "excellence", "authenticity", "market_fit")


class Route(StrEnum):
    """How an invention may be protected or shared."""

    PATENT = "patent"
    UTILITY_MODEL = "utility_model"
    INDUSTRIAL_DESIGN = "industrial_design"
    TRADEMARK = "trademark"
    TRADE_SECRET = "trade_secret"
    PUBLISH = "publish"


#: The routes that are a filing with IMPI.
FILING_ROUTES: Final = frozenset(
    {Route.PATENT, Route.UTILITY_MODEL, Route.INDUSTRIAL_DESIGN, Route.TRADEMARK}
)
#: What a review may conclude besides a route: the inventors revise the disclosure first.
REVISION: Final = "revision"


class ConflictOfInterest(Forbidden):
    """A co-inventor, or a member who declared a conflict, may not review (403) [¶57]."""

    def __init__(self, detail: str, member_id: str) -> None:
        super().__init__(
            detail,
            rule=RULE,
            slug="conflict-of-interest",
            title="Conflict of interest",
            member_id=member_id,
        )


class Scores(BaseModel):
    """One reviewer's marks, whole numbers from SCORE_MIN to SCORE_MAX (strict: never a
    string, a float or a boolean)."""

    model_config = ConfigDict(frozen=True, strict=True)

    secrecy: int = Field(ge=SCORE_MIN, le=SCORE_MAX)
    originality: int = Field(ge=SCORE_MIN, le=SCORE_MAX)
    excellence: int = Field(ge=SCORE_MIN, le=SCORE_MAX)
    authenticity: int = Field(ge=SCORE_MIN, le=SCORE_MAX)
    market_fit: int = Field(ge=SCORE_MIN, le=SCORE_MAX)


class ReviewerScore(BaseModel):
    member_id: str
    scores: Scores
    comment: Sealed | None = None
    scored_at: datetime


class Outcome(BaseModel):
    recommendation: str = Field(description="A Route, or 'revision'")
    reviewers: int
    means: dict[str, Decimal]
    concluded_by: str
    concluded_at: datetime


class ReviewStatus(StrEnum):
    OPEN = "open"
    CONCLUDED = "concluded"


class Review(BaseModel):
    """One review of one revision of a disclosure by its group's Innovation Committee."""

    review_id: str
    committee_id: str
    revision: int
    opened_by: str
    opened_at: datetime
    status: ReviewStatus = ReviewStatus.OPEN
    conflicts: list[str] = []
    scores: dict[str, ReviewerScore] = {}
    outcome: Outcome | None = None

    @property
    def is_open(self) -> bool:
        return self.status is ReviewStatus.OPEN

    def _check_open(self) -> None:
        if not self.is_open:
            raise InvalidTransition(f"review {self.review_id} is concluded", rule=RULE)

    def may_review(self, seat: CommitteeSeat, inventors: set[str]) -> None:
        """ConflictOfInterest unless `seat` may score and conclude this review."""
        if seat.participant_id is not None and seat.participant_id in inventors:
            raise ConflictOfInterest(
                "a co-inventor of the disclosure may not review it", seat.member_id
            )
        if seat.member_id in self.conflicts:
            raise ConflictOfInterest(
                "this member declared a conflict of interest with the disclosure",
                seat.member_id,
            )

    def declare_conflict(self, seat: CommitteeSeat) -> None:
        """A member steps aside; once they scored, their score stands and this is a 409."""
        self._check_open()
        if seat.member_id in self.scores:
            raise InvalidTransition(
                "this member already scored the review; a conflict is declared before scoring",
                rule=RULE,
            )
        if seat.member_id not in self.conflicts:
            self.conflicts.append(seat.member_id)

    def score(
        self,
        seat: CommitteeSeat,
        inventors: set[str],
        scores: Scores,
        comment: Sealed | None,
        now: datetime,
    ) -> ReviewerScore:
        """A reviewer's marks; a second scoring by the same member replaces the first."""
        self._check_open()
        self.may_review(seat, inventors)
        given = ReviewerScore(
            member_id=seat.member_id, scores=scores, comment=comment, scored_at=now
        )
        self.scores[seat.member_id] = given
        return given

    def means(self) -> dict[str, Decimal]:
        """Each criterion's mean over the reviewers, to two decimals (half-even)."""
        if not self.scores:
            return {}
        count = Decimal(len(self.scores))
        return {
            name: (
                sum(Decimal(getattr(s.scores, name)) for s in self.scores.values()) / count
            ).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
            for name in CRITERIA
        }

    def conclude(
        self,
        seat: CommitteeSeat,
        inventors: set[str],
        recommendation: str,
        quorum: int,
        now: datetime,
    ) -> Outcome:
        """The committee's conclusion, recorded by a member who may review: a route, or a
        revision asked of the inventors. It needs `quorum` reviewers' scores."""
        self._check_open()
        self.may_review(seat, inventors)
        if recommendation != REVISION and recommendation not in set(Route):
            raise IpRuleViolation(
                f"a review recommends one of {sorted(Route)} or asks for a revision",
                rule=RULE,
                field="recommendation",
            )
        if len(self.scores) < quorum:
            raise IpRuleViolation(
                f"the review has {len(self.scores)} reviewers' scores; it needs {quorum} "
                "before it concludes",
                rule=RULE,
                scores=len(self.scores),
                quorum=quorum,
            )
        self.outcome = Outcome(
            recommendation=recommendation,
            reviewers=len(self.scores),
            means=self.means(),
            concluded_by=seat.member_id,
            concluded_at=now,
        )
        self.status = ReviewStatus.CONCLUDED
        return self.outcome

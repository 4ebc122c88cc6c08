"""The Innovation Committee's review [¶57]: scores (metadata), comments (sealed)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ip_counsel.domain.commands import ScoreReview
from ip_counsel.domain.review import Outcome, Review, Scores
from megp_common.schemas import RequestModel


class ScoresIn(RequestModel, Scores):
    """Whole numbers from 1 to 5 on each criterion of ¶57."""


class ScoreCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "scores": {
                        "secrecy": 4,
                        "originality": 5,
                        "excellence": 4,
                        "authenticity": 5,
                        "market_fit": 3,
                    },
                    "comment": "Novel; check the 2019 kiln patents.",
                }
            ]
        },
    )

    scores: ScoresIn
    comment: str | None = Field(default=None, max_length=10_000, description="Sealed; secret")

    def command(self) -> ScoreReview:
        return ScoreReview(Scores(**self.scores.model_dump()), self.comment)


class ReviewOpen(RequestModel):
    """No fields: the review is of the latest revision, by the group's Innovation Committee."""


class ConflictDeclaration(RequestModel):
    """No fields: the caller declares their own conflict of interest."""


class OutcomeCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"recommendation": "utility_model"}]}
    )

    recommendation: str = Field(
        min_length=1,
        max_length=40,
        description="patent | utility_model | industrial_design | trademark | trade_secret | "
        "publish | revision",
    )


class ScorePublic(BaseModel):
    member_id: str
    secrecy: int
    originality: int
    excellence: int
    authenticity: int
    market_fit: int
    scored_at: datetime
    comment: str | None = Field(default=None, description="Null outside the circle of ¶3")


class OutcomePublic(BaseModel):
    recommendation: str
    reviewers: int
    means: dict[str, Decimal]
    concluded_by: str
    concluded_at: datetime

    @classmethod
    def of(cls, o: Outcome) -> OutcomePublic:
        return cls(**o.model_dump())


class ReviewPublic(BaseModel):
    disclosure_id: str
    review_id: str
    committee_id: str
    revision: int
    status: str
    opened_by: str
    opened_at: datetime
    conflicts: list[str]
    scores: list[ScorePublic]
    outcome: OutcomePublic | None

    @classmethod
    def of(
        cls, disclosure_id: str, r: Review, comments: dict[str, str] | None = None
    ) -> ReviewPublic:
        shown = comments or {}
        return cls(
            disclosure_id=disclosure_id,
            review_id=r.review_id,
            committee_id=r.committee_id,
            revision=r.revision,
            status=r.status.value,
            opened_by=r.opened_by,
            opened_at=r.opened_at,
            conflicts=list(r.conflicts),
            scores=[
                ScorePublic(
                    member_id=s.member_id,
                    **s.scores.model_dump(),
                    scored_at=s.scored_at,
                    comment=shown.get(s.member_id),
                )
                for _, s in sorted(r.scores.items())
            ],
            outcome=OutcomePublic.of(r.outcome) if r.outcome else None,
        )

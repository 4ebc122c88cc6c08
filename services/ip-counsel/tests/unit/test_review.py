"""The Innovation Committee's review [¶57], pure: bounded scores, conflicts, the outcome."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from ip_counsel.domain.errors import InvalidTransition, IpRuleViolation
from ip_counsel.domain.people import CommitteeSeat
from ip_counsel.domain.review import ConflictOfInterest, Review, ReviewStatus, Scores

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
INVENTORS = {"ana", "beto"}


def seat(member: str, participant: str | None = None) -> CommitteeSeat:
    return CommitteeSeat(
        member_id=member, name=member, role="professor", participant_id=participant
    )


def marks(*values: int) -> Scores:
    names = ("secrecy", "originality", "excellence", "authenticity", "market_fit")
    return Scores(**dict(zip(names, values, strict=True)))


def review() -> Review:
    return Review(review_id="r1", committee_id="c1", revision=1, opened_by="ana", opened_at=NOW)


@pytest.mark.parametrize("bad", [0, 6, -1])
def test_scores_are_whole_numbers_from_one_to_five(bad: int) -> None:
    with pytest.raises(ValidationError):
        marks(bad, 3, 3, 3, 3)
    assert marks(1, 2, 3, 4, 5).market_fit == 5


def test_a_co_inventor_may_not_review() -> None:
    r = review()
    with pytest.raises(ConflictOfInterest) as refused:
        r.score(seat("coord", "beto"), INVENTORS, marks(5, 5, 5, 5, 5), None, NOW)
    assert refused.value.status == 403 and refused.value.rule == "¶57"
    assert r.scores == {}
    with pytest.raises(ConflictOfInterest):
        r.conclude(seat("coord", "beto"), INVENTORS, "patent", 0, NOW)


def test_a_declared_conflict_keeps_a_member_out() -> None:
    r = review()
    r.declare_conflict(seat("prof"))
    r.declare_conflict(seat("prof"))
    assert r.conflicts == ["prof"]
    with pytest.raises(ConflictOfInterest, match="declared"):
        r.score(seat("prof"), INVENTORS, marks(3, 3, 3, 3, 3), None, NOW)


def test_a_conflict_is_declared_before_scoring() -> None:
    r = review()
    r.score(seat("prof"), INVENTORS, marks(3, 3, 3, 3, 3), None, NOW)
    with pytest.raises(InvalidTransition, match="before scoring"):
        r.declare_conflict(seat("prof"))


def test_scoring_again_replaces_and_the_means_are_half_even() -> None:
    r = review()
    r.score(seat("a"), INVENTORS, marks(1, 1, 1, 1, 1), None, NOW)
    r.score(seat("a"), INVENTORS, marks(4, 4, 4, 4, 4), None, NOW)
    r.score(seat("b"), INVENTORS, marks(5, 3, 2, 4, 1), None, NOW)
    r.score(seat("c"), INVENTORS, marks(5, 3, 2, 4, 2), None, NOW)
    assert len(r.scores) == 3
    means = r.means()
    assert means["secrecy"] == Decimal("4.67")  # 14/3
    assert means["originality"] == Decimal("3.33")  # 10/3
    assert means["market_fit"] == Decimal("2.33")  # 7/3


def test_the_outcome_is_a_route_or_a_revision_and_needs_the_quorum() -> None:
    r = review()
    with pytest.raises(IpRuleViolation, match="needs 1"):
        r.conclude(seat("a"), INVENTORS, "patent", 1, NOW)
    r.score(seat("a"), INVENTORS, marks(4, 4, 4, 4, 4), None, NOW)
    with pytest.raises(IpRuleViolation, match="needs 2"):
        r.conclude(seat("a"), INVENTORS, "patent", 2, NOW)
    with pytest.raises(IpRuleViolation, match="recommends one of"):
        r.conclude(seat("a"), INVENTORS, "copyright", 1, NOW)
    outcome = r.conclude(seat("a"), INVENTORS, "revision", 1, NOW)
    assert outcome.recommendation == "revision" and outcome.reviewers == 1
    assert r.status is ReviewStatus.CONCLUDED
    with pytest.raises(InvalidTransition, match="concluded"):
        r.score(seat("b"), INVENTORS, marks(4, 4, 4, 4, 4), None, NOW)

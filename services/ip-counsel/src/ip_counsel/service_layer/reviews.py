"""The Innovation Committee's review [¶57]: the inventors open it on their latest revision,
each member scores and comments (the comment sealed), a member may declare a conflict, and a
member who may review concludes. A co-inventor or a declared conflict is a 403
`conflict-of-interest`; a caller who holds no seat on the reviewing committee a 403 too."""

from __future__ import annotations

from ip_counsel.domain.commands import ScoreReview
from ip_counsel.domain.disclosure import Disclosure
from ip_counsel.domain.errors import IpRuleViolation, OutsideTheCircle
from ip_counsel.domain.people import CommitteeSeat
from ip_counsel.domain.review import Review, ReviewerScore
from ip_counsel.service_layer.circle import seal
from ip_counsel.service_layer.container import Services
from ip_counsel.service_layer.disclosures import as_inventor, loaded
from megp_common.auth import Principal, Role
from megp_common.errors import NotFound
from megp_common.mongo import Shard


async def open_review(
    services: Services, who: Principal, disclosure_id: str, review_id: str
) -> tuple[Disclosure, Review]:
    d = await loaded(services, who, disclosure_id)
    done = d.review(review_id)
    if done is not None:
        return d, done
    inventor = as_inventor(who)
    committee = await services.committees.of_group(d.group_id, d.state)
    if committee is None:
        raise IpRuleViolation(
            f"group {d.group_id} has no Innovation Committee yet; enrollment forms it",
            rule="¶57",
        )
    review = d.open_review_by(review_id, committee, inventor, services.now())
    await services.disclosures.save(d)
    return d, review


async def _seat(
    services: Services, who: Principal, disclosure_id: str, review_id: str
) -> tuple[Disclosure, Review, CommitteeSeat]:
    d = await loaded(services, who, disclosure_id)
    review = d.review(review_id)
    if review is None:
        raise NotFound(f"disclosure {disclosure_id} has no review {review_id}")
    committee = await services.committees.find(review.committee_id, Shard(d.state, d.group_id))
    seat = (
        committee.seat_of(subject=who.subject, participant_id=who.participant_id)
        if committee is not None and who.has_role(Role.COMMITTEE_MEMBER)
        else None
    )
    if seat is None:
        raise OutsideTheCircle("only members of the reviewing Innovation Committee do this")
    return d, review, seat


async def declare_conflict(
    services: Services, who: Principal, disclosure_id: str, review_id: str
) -> tuple[Disclosure, Review]:
    d, review, seat = await _seat(services, who, disclosure_id, review_id)
    if seat.member_id in review.conflicts or seat.participant_id in d.inventor_ids:
        return d, review  # declared already, or a co-inventor: conflicted by the rule itself
    review.declare_conflict(seat)
    await services.disclosures.save(d)
    return d, review


async def score(
    services: Services, who: Principal, disclosure_id: str, review_id: str, command: ScoreReview
) -> tuple[Disclosure, Review, ReviewerScore]:
    d, review, seat = await _seat(services, who, disclosure_id, review_id)
    comment = (
        seal(services, d, command.comment, f"review:{review_id}:comment", seat.member_id)
        if command.comment
        else None
    )
    given = review.score(seat, d.inventor_ids, command.scores, comment, services.now())
    d.record_score(review, given)
    await services.disclosures.save(d)
    return d, review, given


async def conclude(
    services: Services, who: Principal, disclosure_id: str, review_id: str, recommendation: str
) -> tuple[Disclosure, Review]:
    d, review, seat = await _seat(services, who, disclosure_id, review_id)
    outcome = review.outcome
    if (
        outcome is not None
        and outcome.concluded_by == seat.member_id
        and outcome.recommendation == recommendation
    ):
        return d, review  # a retry after the conclusion was stored
    review.conclude(
        seat, d.inventor_ids, recommendation, services.settings.review_quorum, services.now()
    )
    d.after_conclusion(review)
    await services.disclosures.save(d)
    return d, review

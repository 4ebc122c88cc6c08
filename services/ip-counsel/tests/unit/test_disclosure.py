"""A disclosure's rules, pure: co-inventors' shares, the public disclosure date, revisions,
the circle of ¶3, the inventors' decision [¶55]."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ip_counsel.domain.decision import Choice
from ip_counsel.domain.disclosure import Capacity, Disclosure, Status
from ip_counsel.domain.errors import InvalidTransition, IpRuleViolation, OutsideTheCircle
from ip_counsel.domain.inventors import CoInventor
from ip_counsel.domain.people import CommitteeSeat, InnovationCommittee, ParticipantRecord
from ip_counsel.domain.review import Route, Scores
from ip_counsel.domain.sealed import Sealed, WrappedKey

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
KEY = WrappedKey(kek_id="k1", wrapped=b"\x00" * 40)


def sealed(n: int = 0) -> Sealed:
    return Sealed(nonce=bytes(12), ciphertext=bytes([n]) * 20)


def inventors(*pairs: tuple[str, str]) -> list[CoInventor]:
    return [CoInventor(participant_id=p, share=Decimal(s)) for p, s in pairs]


def known(*ids: str, inventor: bool = True) -> dict[str, ParticipantRecord]:
    return {i: ParticipantRecord(id=i, state="20", inventor=inventor) for i in ids}


def disclose(
    shares: list[CoInventor] | None = None,
    people: dict[str, ParticipantRecord] | None = None,
    by: str = "ana",
    public_on: date | None = None,
) -> Disclosure:
    shares = shares if shares is not None else inventors(("ana", "60"), ("beto", "40"))
    return Disclosure.disclose(
        "d1",
        group_id="g1",
        state="20",
        sector="construction",
        inventors=shares,
        known=people if people is not None else known("ana", "beto"),
        recorded_by=by,
        public_disclosure_on=public_on,
        key=KEY,
        sealed=sealed(),
        now=NOW,
    )


def committee(*seats: tuple[str, str | None]) -> InnovationCommittee:
    c = InnovationCommittee(id="c1", group_id="g1", state="20")
    for member_id, participant in seats:
        c.seat(
            CommitteeSeat(
                member_id=member_id, name=member_id, role="professor", participant_id=participant
            )
        )
    return c


def test_a_disclosure_is_recorded_with_its_first_revision_and_one_event() -> None:
    d = disclose()
    assert [r.number for r in d.revisions] == [1]
    assert d.status is Status.RECORDED
    (event,) = [e.payload for e in d.pending_events()]
    assert event.event_type == "ip_counsel.DisclosureRecorded"
    assert event.inventors[0].share == Decimal("60")
    assert d.pending_events()[0].key == "g1"


@pytest.mark.parametrize(
    ("shares", "why"),
    [
        ((("ana", "60"), ("beto", "39.99")), "sum to 99.99"),
        ((("ana", "60"), ("beto", "40.01")), "sum to 100.01"),
        ((("ana", "100"), ("beto", "0")), "more than 0"),
        ((("ana", "50"), ("ana", "50")), "once"),
        ((("ana", "150"), ("beto", "-50")), "more than 0"),
    ],
)
def test_shares_must_sum_to_exactly_a_hundred(
    shares: tuple[tuple[str, str], ...], why: str
) -> None:
    with pytest.raises(IpRuleViolation, match=why.split()[-1]):
        disclose(inventors(*shares))


def test_no_inventors_is_refused() -> None:
    with pytest.raises(IpRuleViolation, match="at least one"):
        disclose([])


@given(st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=8))
def test_any_split_in_hundredths_summing_to_100_is_taken(parts: list[int]) -> None:
    """Shares in hundredths of a percent that add up to 100.00 exactly always pass; off by
    one hundredth they never do."""
    total = sum(parts)
    cents = [p * 10_000 // total for p in parts]
    cents[0] += 10_000 - sum(cents)
    assume(all(c > 0 for c in cents))
    ids = [f"p{i}" for i in range(len(parts))]
    shares = [
        CoInventor(participant_id=i, share=Decimal(c) / 100)
        for i, c in zip(ids, cents, strict=True)
    ]
    d = disclose(shares, known(*ids), by="p0")
    assert sum(i.share for i in d.inventors) == Decimal(100)
    shares[0] = CoInventor(participant_id="p0", share=shares[0].share + Decimal("0.01"))
    with pytest.raises(IpRuleViolation):
        disclose(shares, known(*ids), by="p0")


def test_a_co_inventor_must_be_an_inventor_of_the_programme() -> None:
    people = known("ana") | known("beto", inventor=False)
    with pytest.raises(IpRuleViolation, match="not an inventor") as refused:
        disclose(people=people)
    assert refused.value.rule == "¶20"
    with pytest.raises(IpRuleViolation, match="not an inventor"):
        disclose(people=known("ana"))  # beto never enrolled


def test_the_recorder_is_one_of_the_inventors() -> None:
    with pytest.raises(IpRuleViolation, match="one of its inventors"):
        disclose(people=known("ana", "beto", "carla"), by="carla")


def test_a_public_disclosure_is_not_in_the_future() -> None:
    assert disclose(public_on=NOW.date()).public_disclosure_on == NOW.date()
    with pytest.raises(IpRuleViolation, match="today or before"):
        disclose(public_on=NOW.date() + timedelta(days=1))


def test_revisions_are_numbered_and_every_one_kept() -> None:
    d = disclose()
    d.revise(sealed(2), "beto", 2, NOW)
    d.revise(sealed(3), "ana", 3, NOW)
    assert [r.number for r in d.revisions] == [1, 2, 3]
    assert d.revision(2) is not None and d.revision(2).sealed == sealed(2)  # type: ignore[union-attr]
    assert d.latest.number == 3
    with pytest.raises(InvalidTransition, match="next revision is 4"):
        d.revise(sealed(9), "ana", 3, NOW)
    with pytest.raises(OutsideTheCircle):
        d.revise(sealed(9), "carla", 4, NOW)


def test_no_revision_while_under_review_nor_once_decided() -> None:
    d = disclose()
    d.open_review_by("r1", committee(("prof", None)), "ana", NOW)
    with pytest.raises(InvalidTransition, match="under review"):
        d.revise(sealed(2), "ana", 2, NOW)
    with pytest.raises(InvalidTransition, match="under review"):
        d.decide("ana", Choice.PUBLISH, None, NOW)


def test_the_circle_of_paragraph_3() -> None:
    d = disclose()
    assert (
        d.capacity(participant_id="ana", counsellor_id=None, reviewer_seat=None)
        is Capacity.INVENTOR
    )
    assert d.capacity(participant_id="carla", counsellor_id="c9", reviewer_seat="prof") is None
    d.assign("c9", "supervisor", NOW)
    assert (
        d.capacity(participant_id=None, counsellor_id="c9", reviewer_seat=None)
        is Capacity.COUNSELLOR
    )
    assert d.capacity(participant_id=None, counsellor_id=None, reviewer_seat="prof") is None
    review = d.open_review_by("r1", committee(("prof", None), ("other", None)), "ana", NOW)
    assert (
        d.capacity(participant_id=None, counsellor_id=None, reviewer_seat="prof")
        is Capacity.REVIEWER
    )
    review.declare_conflict(CommitteeSeat(member_id="other", name="o", role="student"))
    assert d.capacity(participant_id=None, counsellor_id=None, reviewer_seat="other") is None
    seat = CommitteeSeat(member_id="prof", name="p", role="professor")
    review.score(
        seat,
        d.inventor_ids,
        Scores(secrecy=4, originality=4, excellence=4, authenticity=4, market_fit=4),
        None,
        NOW,
    )
    review.conclude(seat, d.inventor_ids, "patent", 1, NOW)
    d.after_conclusion(review)
    # the review is over: the committee no longer reads
    assert d.capacity(participant_id=None, counsellor_id=None, reviewer_seat="prof") is None
    assert d.status is Status.REVIEWED


def test_a_review_needs_a_member_who_is_no_co_inventor() -> None:
    d = disclose()
    with pytest.raises(IpRuleViolation, match="no member who may review"):
        d.open_review_by("r1", committee(("coord", "beto")), "ana", NOW)
    with pytest.raises(IpRuleViolation, match="group's"):
        other = committee(("prof", None))
        other.group_id = "g2"
        d.open_review_by("r1", other, "ana", NOW)
    with pytest.raises(OutsideTheCircle):
        d.open_review_by("r1", committee(("prof", None)), "carla", NOW)
    d.open_review_by("r1", committee(("prof", None)), "ana", NOW)
    with pytest.raises(InvalidTransition, match="open already"):
        d.open_review_by("r2", committee(("prof", None)), "ana", NOW)


def test_the_inventors_decide_and_the_decision_says_if_it_follows_the_committee() -> None:
    d = disclose()
    with pytest.raises(IpRuleViolation, match="names its route"):
        d.decide("ana", Choice.FILE, None, NOW)
    with pytest.raises(IpRuleViolation, match="names its route"):
        d.decide("ana", Choice.FILE, Route.TRADE_SECRET, NOW)
    with pytest.raises(IpRuleViolation, match="only a decision to file"):
        d.decide("ana", Choice.PUBLISH, Route.PATENT, NOW)
    with pytest.raises(OutsideTheCircle):
        d.decide("carla", Choice.PUBLISH, None, NOW)
    first = d.decide("beto", Choice.KEEP_SECRET, None, NOW)
    assert first.follows_recommendation is None  # nothing was reviewed
    assert d.status is Status.DECIDED
    with pytest.raises(InvalidTransition, match="decided"):
        d.revise(sealed(2), "ana", 2, NOW)


def test_a_decision_against_the_recommendation_is_the_inventors_right() -> None:
    d = disclose()
    review = d.open_review_by("r1", committee(("prof", None)), "ana", NOW)
    seat = CommitteeSeat(member_id="prof", name="p", role="professor")
    marks = Scores(secrecy=5, originality=5, excellence=5, authenticity=5, market_fit=5)
    review.score(seat, d.inventor_ids, marks, None, NOW)
    review.conclude(seat, d.inventor_ids, "patent", 1, NOW)
    d.after_conclusion(review)
    decision = d.decide("ana", Choice.FILE, Route.UTILITY_MODEL, NOW)
    assert decision.follows_recommendation is False
    again = d.decide("ana", Choice.FILE, Route.PATENT, NOW)
    assert again.follows_recommendation is True
    assert len(d.decisions) == 2
    kinds = [e.payload.event_type for e in d.pending_events()]
    assert kinds.count("ip_counsel.InventorsDecided") == 2


def test_a_session_is_the_assigned_counsellors_and_already_held() -> None:
    d = disclose()
    d.assign("c9", "supervisor", NOW)
    with pytest.raises(OutsideTheCircle):
        d.record_session("c8", NOW.date(), None, sealed(), 1, NOW)
    with pytest.raises(IpRuleViolation, match="once held"):
        d.record_session("c9", NOW.date() + timedelta(days=1), None, sealed(), 1, NOW)
    s = d.record_session("c9", NOW.date(), Route.UTILITY_MODEL, sealed(), 1, NOW)
    assert s.number == 1 and s.route_recommended is Route.UTILITY_MODEL


def test_no_event_carries_a_sealed_value() -> None:
    d = disclose()
    d.revise(sealed(2), "ana", 2, NOW)
    for e in d.pending_events():
        text = e.payload.model_dump_json()
        assert "ciphertext" not in text and "nonce" not in text

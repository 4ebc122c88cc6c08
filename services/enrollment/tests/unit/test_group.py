from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from enrollment.domain.board import Seat, SeatKind
from enrollment.domain.errors import InvalidData, RuleViolation, StateConflict
from enrollment.domain.group import GroupStatus, ProjectGroup
from enrollment.domain.membership import MembershipStatus, Undertaking, check_letter, member_on
from enrollment.domain.terms import ProgrammeTerms

from .conftest import NOW, full_letter, recorded, types

Build = Callable[..., ProjectGroup]


def seat(kind: SeatKind, participant_id: str | None, **more: str) -> Seat:
    return Seat(
        seat_id=f"seat-{participant_id}-{kind.value}",
        seat=kind,
        name="X",
        participant_id=participant_id,
        appointed_on=NOW.date(),
        appointed_by="rep",
        **more,
    )


def test_the_letter_of_commitment_needs_all_six_undertakings() -> None:
    assert check_letter(full_letter(), NOW.date()) == full_letter()
    partial = full_letter()
    del partial[Undertaking.BOARD_REPRESENTATIVES]
    with pytest.raises(RuleViolation) as err:
        check_letter(partial, NOW.date())
    assert err.value.rule == "¶49" and err.value.extensions["missing"] == ["board_representatives"]
    with pytest.raises(InvalidData, match="future"):
        check_letter(full_letter(NOW.date() + timedelta(days=1)), NOW.date())


def test_the_group_activates_when_the_minimum_signed(make_group: Build) -> None:
    group = make_group(members=4)
    assert group.status is GroupStatus.FORMING
    group.admit("p-fifth", "Quinta", "share a kiln", full_letter(), NOW)
    assert group.status is GroupStatus.ACTIVE and group.activated_at == NOW
    assert types(group) == ["MemberJoinedGroup", "ProjectGroupActivated"]
    assert len(recorded(group)[1].member_participant_ids) == 5
    assert group.partition_key() == group.id


def test_the_minimum_comes_from_the_terms(make_project: Callable[..., object]) -> None:
    group = ProjectGroup.open(make_project(), "", ProgrammeTerms(minimum_group_members=2), NOW)
    group.admit("a", "A", "reason", full_letter(), NOW)
    group.admit("b", "B", "reason", full_letter(), NOW)
    assert group.status is GroupStatus.ACTIVE


def test_joining_needs_a_business_reason_and_happens_once(make_group: Build) -> None:
    group = make_group(members=1)
    with pytest.raises(RuleViolation) as err:
        group.admit("p-new", "N", "   ", full_letter(), NOW)
    assert err.value.rule == "¶24"
    member = group.active_member_ids()[0]
    with pytest.raises(StateConflict):
        group.admit(member, "again", "reason", full_letter(), NOW)


def test_a_member_leaves_and_returns_with_the_history_kept(make_group: Build) -> None:
    group = make_group(members=5)
    member = group.active_member_ids()[0]
    later = NOW + timedelta(days=40)
    group.release(member, "moved away", later)
    assert group.members[member].status is MembershipStatus.LEFT
    with pytest.raises(StateConflict):
        group.release(member, "again", later)
    group.admit(member, "back", "came back", full_letter(later.date()), later + timedelta(days=5))
    assert group.members[member].times_joined == 2
    movements = [(h.movement.value, h.on) for h in group.history if h.participant_id == member]
    assert movements == [
        ("joined", NOW.date()),
        ("left", later.date()),
        ("joined", later.date() + timedelta(days=5)),
    ]
    assert recorded(group)[-1].rejoined is True
    assert group.was_member_on(member, NOW.date())
    assert not group.was_member_on(member, later.date() + timedelta(days=1))
    assert group.was_member_on(member, later.date() + timedelta(days=5))


def test_member_on_before_joining_is_false() -> None:
    assert member_on([], "x", date(2030, 1, 1)) is False


def test_the_odf_is_registered_by_an_active_group_once(
    make_group: Build, terms: ProgrammeTerms
) -> None:
    forming = make_group(members=4)
    with pytest.raises(RuleViolation):
        forming.register_odf("ODF", "CAM1503021A3", "Banorte", terms, NOW)
    group = make_group(members=5)
    with pytest.raises(InvalidData) as err:
        group.register_odf("ODF", "CAM1503021A3", "Banco Patito", terms, NOW)
    assert "Banorte" in err.value.extensions["partner_banks"]
    odf = group.register_odf("ODF S.A.", "CAM1503021A3", "Banorte", terms, NOW)
    _registered, formed = recorded(group)
    assert type(formed).__name__ == "ProjectGroupFormed"
    assert formed.odf_id == odf.odf_id and formed.rfc == "CAM1503021A3"
    assert formed.trust_bank == "Banorte" and len(formed.member_participant_ids) == 5
    with pytest.raises(StateConflict):
        group.register_odf("ODF S.A.", "CAM1503021A3", "Banorte", terms, NOW)


def test_representatives_are_active_members_and_the_board_is_announced(make_group: Build) -> None:
    group = make_group(members=5, with_odf=True)
    rep = group.active_member_ids()[0]
    with pytest.raises(RuleViolation):
        group.appoint(seat(SeatKind.MEMBER_REPRESENTATIVE, "stranger"), NOW)
    group.appoint(seat(SeatKind.MEMBER_REPRESENTATIVE, rep), NOW)
    with pytest.raises(StateConflict):
        group.appoint(
            seat(SeatKind.MEMBER_REPRESENTATIVE, rep).model_copy(update={"seat_id": "other"}), NOW
        )
    appointed, changed = recorded(group)
    assert appointed.appointee.participant_id == rep
    assert changed.representative_participant_ids == [rep]


def test_a_new_director_general_replaces_the_old_one(make_group: Build) -> None:
    group = make_group(members=5, with_odf=True)
    group.appoint(seat(SeatKind.DIRECTOR_GENERAL, None, candidate_id="c1"), NOW)
    group.clear_pending()
    group.appoint(
        seat(SeatKind.DIRECTOR_GENERAL, None, candidate_id="c2").model_copy(
            update={"seat_id": "dg2"}
        ),
        NOW,
    )
    assert types(group) == ["BoardMemberRemoved", "BoardMemberAppointed", "BoardChanged"]
    assert recorded(group)[-1].director_general.candidate_id == "c2"


def test_a_representative_who_leaves_loses_the_seat(make_group: Build) -> None:
    group = make_group(members=5, with_odf=True)
    rep = group.active_member_ids()[0]
    group.appoint(seat(SeatKind.MEMBER_REPRESENTATIVE, rep), NOW)
    group.clear_pending()
    group.release(rep, "retiring", NOW)
    assert types(group) == ["MemberLeftGroup", "BoardMemberRemoved", "BoardChanged"]
    assert recorded(group)[-1].representative_participant_ids == []


def test_removing_a_seat_needs_a_holder_and_a_reason(make_group: Build) -> None:
    group = make_group(members=5, with_odf=True)
    rep = group.active_member_ids()[0]
    group.appoint(seat(SeatKind.MEMBER_REPRESENTATIVE, rep), NOW)
    with pytest.raises(StateConflict):
        group.remove_seat("nobody", "reason", "rep", NOW)
    with pytest.raises(InvalidData):
        group.remove_seat(group.board[0].seat_id, " ", "rep", NOW)
    group.remove_seat(group.board[0].seat_id, "term ended", "rep", NOW)
    assert group.board == []


def test_no_board_without_an_odf(make_group: Build) -> None:
    group = make_group(members=5)
    with pytest.raises(RuleViolation) as err:
        group.appoint(seat(SeatKind.MEMBER_REPRESENTATIVE, group.active_member_ids()[0]), NOW)
    assert err.value.rule == "¶60"

from __future__ import annotations

import pytest

from enrollment.domain.committee import (
    Candidate,
    CandidatePosition,
    Committee,
    CommitteeKind,
    CommitteeMember,
    Discipline,
    Level,
    SupportOffer,
    committee_id_for,
)
from enrollment.domain.errors import InvalidData, RuleViolation, StateConflict

from .conftest import NOW, recorded, types


def member(member_id: str, role: str, **more: object) -> CommitteeMember:
    return CommitteeMember(member_id=member_id, name="N", role=role, added_on=NOW.date(), **more)  # type: ignore[arg-type]


def support() -> Committee:
    c = Committee.form(
        committee_id_for(CommitteeKind.SUPPORT, "proj"),
        kind=CommitteeKind.SUPPORT,
        name="Support",
        now=NOW,
        project_id="proj",
        group_id="grp",
        state="20",
    )
    c.clear_pending()
    return c


def test_support_and_innovation_committees_belong_to_a_project() -> None:
    with pytest.raises(InvalidData, match="project"):
        Committee.form("c", kind=CommitteeKind.SUPPORT, name="S", now=NOW)
    assert committee_id_for(CommitteeKind.SUPPORT, "p") != committee_id_for(
        CommitteeKind.INNOVATION, "p"
    )
    assert committee_id_for(CommitteeKind.SUPPORT, "p") == committee_id_for(
        CommitteeKind.SUPPORT, "p"
    )


def test_specialized_committees_have_a_discipline_and_a_level() -> None:
    with pytest.raises(InvalidData):
        Committee.form("c", kind=CommitteeKind.SPECIALIZED, name="S", now=NOW)
    with pytest.raises(InvalidData, match="state"):
        Committee.form(
            "c",
            kind=CommitteeKind.SPECIALIZED,
            name="S",
            now=NOW,
            discipline=Discipline.FINANCING,
            level=Level.STATE,
        )
    with pytest.raises(InvalidData, match="region"):
        Committee.form(
            "c",
            kind=CommitteeKind.SPECIALIZED,
            name="S",
            now=NOW,
            discipline=Discipline.FINANCING,
            level=Level.REGIONAL,
        )
    national = Committee.form(
        "c",
        kind=CommitteeKind.SPECIALIZED,
        name="S",
        now=NOW,
        discipline=Discipline.MARKETING,
        level=Level.NATIONAL,
    )
    assert national.partition_key() == "c" and national.state_code() is None
    assert recorded(national)[0].discipline == "marketing"


def test_support_members_are_players_offering_support() -> None:
    c = support()
    with pytest.raises(InvalidData, match="player"):
        c.add_member(member("m1", "student", supports=[SupportOffer.PURCHASE_ORDERS]))
    with pytest.raises(InvalidData, match="support"):
        c.add_member(member("m1", "local"))
    c.add_member(
        member("m1", "external", supports=[SupportOffer.FUND_CONTRIBUTIONS], participant_id="p9")
    )
    (added,) = recorded(c)
    assert added.supports == ["fund_contributions"] and added.group_id == "grp"
    assert c.partition_key() == "grp"
    assert c.member_participant_ids() == {"p9"}
    with pytest.raises(StateConflict):
        c.add_member(
            member("m2", "local", supports=[SupportOffer.RECOMMENDATIONS], participant_id="p9")
        )


def test_removed_members_are_kept_with_the_reason() -> None:
    c = support()
    c.add_member(member("m1", "local", supports=[SupportOffer.TECHNICAL_STAFF]))
    with pytest.raises(InvalidData):
        c.remove_member("m1", " ", NOW.date())
    c.remove_member("m1", "company closed", NOW.date())
    assert c.members["m1"].removal_reason == "company closed" and c.active_members() == []
    assert types(c)[-1] == "CommitteeMemberRemoved"
    with pytest.raises(StateConflict):
        c.remove_member("m1", "again", NOW.date())


def test_group_coordinators_are_active_members_of_the_group() -> None:
    c = Committee.form(
        "i", kind=CommitteeKind.INNOVATION, name="I", now=NOW, project_id="proj", group_id="grp"
    )
    with pytest.raises(RuleViolation) as err:
        c.add_member(member("m1", "group_coordinator", participant_id="x"), ["a", "b"])
    assert err.value.rule == "¶57"
    c.add_member(member("m1", "group_coordinator", participant_id="a"), ["a", "b"])
    c.add_member(member("m2", "industrial_designer"), [])
    with pytest.raises(InvalidData, match="supports"):
        c.add_member(member("m3", "student", supports=[SupportOffer.RECOMMENDATIONS]))


def test_volunteers_are_plain_members() -> None:
    c = Committee.form("v", kind=CommitteeKind.VOLUNTEER, name="V", now=NOW)
    with pytest.raises(InvalidData):
        c.add_member(member("m1", "local"))
    c.add_member(member("m1", "member"))


def test_only_the_support_committee_proposes_candidates() -> None:
    candidate = Candidate(
        candidate_id="c1",
        position=CandidatePosition.DIRECTOR_GENERAL,
        name="Lic. Pérez",
        profile="manager",
        proposed_on=NOW.date(),
        proposed_by="cm",
    )
    volunteer = Committee.form("v", kind=CommitteeKind.VOLUNTEER, name="V", now=NOW)
    with pytest.raises(RuleViolation) as err:
        volunteer.propose(candidate)
    assert err.value.rule == "¶54"
    c = support()
    c.propose(candidate)
    (event,) = recorded(c)
    assert event.position == "director_general" and event.group_id == "grp"
    with pytest.raises(StateConflict):
        c.propose(candidate)

"""¶55: only the group's representatives on the Board decide."""

from __future__ import annotations

import pytest

from enrollment.domain.actor import Actor
from enrollment.domain.board import decider, founding_member, refuse_outsiders
from enrollment.domain.errors import DecisionRefused, OutOfScope


def actor(*roles: str, participant_id: str | None = "rep-1") -> Actor:
    return Actor(subject="s", roles=frozenset(roles), participant_id=participant_id)


@pytest.mark.parametrize("outsider", ["committee_member", "donor_portal", "partner_bank"])
def test_outsiders_are_refused_whatever_else_they_hold(outsider: str) -> None:
    with pytest.raises(DecisionRefused) as err:
        refuse_outsiders(actor("board_representative", "programme_supervisor", outsider), [])
    assert err.value.extensions == {"rule": "¶55", "refused_role": outsider}
    assert "no right" in err.value.detail


def test_a_support_committee_member_is_refused_by_participant_id() -> None:
    with pytest.raises(DecisionRefused, match="Support Committee"):
        refuse_outsiders(actor("board_representative"), {"rep-1"})
    refuse_outsiders(actor("board_representative"), {"someone-else"})


def test_only_a_seated_representative_decides() -> None:
    assert decider(actor("board_representative"), ["rep-1", "rep-2"]) == "rep-1"
    for who in (
        actor("participant"),
        actor("board_representative", participant_id="rep-9"),
        actor("programme_supervisor", participant_id=None),
        actor("odf_staff", participant_id="rep-1"),
    ):
        with pytest.raises(DecisionRefused):
            decider(who, ["rep-1"])


def test_with_no_representatives_no_board_decision_is_possible() -> None:
    with pytest.raises(DecisionRefused, match="no member representatives"):
        decider(actor("board_representative"), [])


def test_the_first_representatives_are_appointed_by_an_active_member() -> None:
    assert founding_member(actor("participant", participant_id="m1"), ["m1", "m2"]) == "m1"
    with pytest.raises(DecisionRefused):
        founding_member(actor("participant", participant_id="x"), ["m1"])
    with pytest.raises(DecisionRefused):
        founding_member(actor("odf_staff", participant_id="m1"), ["m1"])


def test_state_scope() -> None:
    oaxaca = Actor(subject="s", roles=frozenset({"odf_staff"}), states=frozenset({"20"}))
    oaxaca.check_state("20")
    with pytest.raises(OutOfScope):
        oaxaca.check_state("09")
    with pytest.raises(OutOfScope, match="national"):
        oaxaca.check_state(None)
    Actor(subject="s", roles=frozenset()).check_state(None)

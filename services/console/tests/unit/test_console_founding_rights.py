"""Who is offered the appointment of a member representative: while a board has none, an
active member acting for the group [¶49]; once it has some, its representatives [¶55]; never a
committee member, a donor or a lender, whatever other role the token carries."""

from __future__ import annotations

from console.domain.rights import Person


def person(*roles: str, participant_id: str | None = "P-1") -> Person:
    return Person("sub", frozenset(roles), frozenset({"09"}), participant_id, frozenset({"G-1"}))


def test_an_active_member_appoints_the_first_representatives_and_nobody_else_does() -> None:
    active = ["P-1", "P-2"]
    assert person("participant").appoints_representatives([], active)
    assert person("board_representative").appoints_representatives([], active)
    assert not person("participant", participant_id="P-9").appoints_representatives([], active)
    assert not person("participant", participant_id=None).appoints_representatives([], active)
    for outsider in ("committee_member", "donor_portal", "partner_bank"):
        assert not person("participant", outsider).appoints_representatives([], active)
    assert not person("odf_staff").appoints_representatives([], active)
    assert not person("programme_supervisor").appoints_representatives([], active)


def test_once_the_board_has_representatives_they_appoint_the_next() -> None:
    active, seated = ["P-1", "P-2"], ["P-2"]
    assert not person("participant").appoints_representatives(seated, active)
    assert person("board_representative").appoints_representatives(seated, active)
    assert not person("board_representative", "donor_portal").appoints_representatives(
        seated, active
    )

"""Who may take a project group's decisions [¶55], one policy for every service.

The group's decisions (board appointments, Competition Sub-Fund spending, a loan's approval or
rejection by the board, business plan revisions made for a member) belong to the group: to its
member representatives on the Board of its Development Organization. Support, donations and
loans give no such right, so a caller who acts as a Support Committee member, a donor or a
lender (by role, or by sitting on the project's Support Committee) never decides, whatever
other roles the same token carries.

Each service learns a group's governance from enrollment's events (`BoardChanged`,
`CommitteeMemberAdded`, `CommitteeMemberRemoved`) and asks this module; nothing here reads a
store or a request, so the domain layers use it directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from megp_common.refusals import DecisionRefused

RULE: Final = "¶55"
REPRESENTATIVE_ROLE: Final = "board_representative"
STAFF_ROLE: Final = "odf_staff"
MEMBER_ROLES: Final = frozenset({"participant", REPRESENTATIVE_ROLE})

#: Roles whose holders can never decide for a group, whatever else they hold.
OUTSIDER_ROLES: Final = {
    "committee_member": "a Support Committee member",
    "donor_portal": "a donor",
    "partner_bank": "a lender",
}


@dataclass(frozen=True, slots=True)
class Governance:
    """What a service knows of a group's governance: its member representatives on the board
    and the participants on its project's Support Committee."""

    representatives: frozenset[str] = field(default_factory=frozenset)
    support_committee: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls, representatives: Iterable[str], support_committee: Iterable[str] = ()
    ) -> Governance:
        return cls(frozenset(representatives), frozenset(support_committee))


def _role_names(roles: Iterable[object]) -> frozenset[str]:
    return frozenset(str(getattr(role, "value", role)) for role in roles)


def refuse_outsiders(
    roles: Iterable[object], participant_id: str | None, support_committee: Iterable[str] = ()
) -> None:
    """Support Committee members, donors and lenders never authorize or vote."""
    names = _role_names(roles)
    for role, who in OUTSIDER_ROLES.items():
        if role in names:
            raise DecisionRefused(
                f"the caller acts as {who} ({role}); support, donations or loans give no right "
                "to take the group's decisions, which belong to its representatives on the "
                "Board of the Development Organization [¶55]",
                rule=RULE,
                refused_role=role,
            )
    if participant_id is not None and participant_id in set(support_committee):
        raise DecisionRefused(
            "the caller sits on this project's Support Committee, whose members may not take "
            "part in the group's decisions [¶55]",
            rule=RULE,
        )


def board_decider(
    roles: Iterable[object], participant_id: str | None, governance: Governance
) -> str:
    """The deciding representative's participant id, or DecisionRefused saying why not."""
    names = _role_names(roles)
    refuse_outsiders(names, participant_id, governance.support_committee)
    if not governance.representatives:
        raise DecisionRefused(
            "the board has no member representatives yet; the group appoints them first [¶55]",
            rule=RULE,
        )
    if (
        REPRESENTATIVE_ROLE not in names
        or participant_id is None
        or participant_id not in governance.representatives
    ):
        raise DecisionRefused(
            "only the group's member representatives on the Board take board decisions [¶55]",
            rule=RULE,
        )
    return participant_id


def staff_acting_for_group(roles: Iterable[object]) -> None:
    """ODF staff act for the group's members only when they are not also a donor, a lender or
    a committee member: one token must not carry an outsider's interest into the group."""
    refuse_outsiders(roles, None)


def lender_of(roles: Iterable[object], organization: str | None, lender: str) -> None:
    """Only the lending institution acts as the loan's lender: the `partner_bank` role *and* the
    token's organization, never the organization claim alone."""
    if "partner_bank" not in _role_names(roles) or not organization or organization != lender:
        raise DecisionRefused(f"only the lender, {lender}, may do this for the loan")

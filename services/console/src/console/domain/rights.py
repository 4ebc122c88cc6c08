"""What a signed-in person may see and press, from the roles and states their token carries.

The services decide; the console only leaves out what they would refuse, so nobody is shown a
button that can only fail. The one rule with a paragraph: only a group's board representatives
decide for it [¶55]; a committee member, a donor or a lender never decides, whatever other role
the same token carries (megp_common.decisions refuses them the same way)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

NEVER_DECIDE = frozenset({"committee_member", "donor_portal", "partner_bank"})
#: the roles a group's members sign in with (megp_common.decisions.MEMBER_ROLES)
MEMBER_ROLES = frozenset({"participant", "board_representative"})


@dataclass(frozen=True, slots=True)
class Person:
    subject: str
    roles: frozenset[str]
    states: frozenset[str]
    participant_id: str | None = None
    group_ids: frozenset[str] = frozenset()
    organization: str | None = None

    @property
    def national(self) -> bool:
        return "*" in self.states

    def has(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def decides_for_boards(self) -> bool:
        """Board decisions (loans at board level, competition spending) [¶55]."""
        return self.has("board_representative") and not self.has(*NEVER_DECIDE)

    @property
    def may_act_for_a_group(self) -> bool:
        """A member of a group who may act for it while its board has no member
        representatives [¶49]: a participant's role and id, and no role that never decides."""
        return (self.has(*MEMBER_ROLES) and self.participant_id is not None) and not self.has(
            *NEVER_DECIDE
        )

    def appoints_representatives(
        self, representatives: Iterable[str], active_members: Iterable[str]
    ) -> bool:
        """Who is offered the appointment of a member representative on a group's board: while
        the board has none, an active member acting for the group [¶49]; once it has some, its
        representatives [¶55] (enrollment checks which of them sits on this board)."""
        if any(True for _ in representatives):
            return self.decides_for_boards
        return self.may_act_for_a_group and self.participant_id in set(active_members)

    @property
    def enters_sheets(self) -> bool:
        """Period (collection) sheets are entered by ODF staff."""
        return self.has("odf_staff")

    @property
    def registers_people(self) -> bool:
        """Registration sheets are entered by state offices: ODF staff or supervisors."""
        return self.has("odf_staff", "programme_supervisor")

    @property
    def ships_orders(self) -> bool:
        """A group's ODF staff ship its customers' orders, acting for the ODF alone [¶55]."""
        return self.has("odf_staff") and not self.has(*NEVER_DECIDE)

    @property
    def follows_orders(self) -> bool:
        """Who reads a group's orders to fulfil: its ODF staff and the programme supervisors."""
        return self.has("odf_staff", "programme_supervisor")

    @property
    def counsels(self) -> bool:
        """IP counsellors: ip-counsel knows them by the token's subject."""
        return self.has("ip_counsellor")

    @property
    def supervises(self) -> bool:
        return self.has("programme_supervisor")

    @property
    def reads_groups(self) -> bool:
        return self.has(
            "odf_staff",
            "board_representative",
            "committee_member",
            "programme_supervisor",
            "donor_portal",
            "partner_bank",
            "participant",
        )

    def states_in_order(self) -> list[str]:
        return sorted(self.states)

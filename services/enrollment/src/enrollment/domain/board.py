"""The Development Organization's Board of Directors [¶49, ¶54] and who may decide [¶55]."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Final

from pydantic import BaseModel

from enrollment.domain.actor import Actor
from enrollment.domain.errors import DecisionRefused
from megp_common.contracts.enrollment import BoardSeat


class SeatKind(StrEnum):
    MEMBER_REPRESENTATIVE = "member_representative"
    SPECIAL_MEMBER = "special_member"
    DIRECTOR_GENERAL = "director_general"


class Seat(BaseModel):
    seat_id: str
    seat: SeatKind
    name: str
    participant_id: str | None = None
    candidate_id: str | None = None
    appointed_on: date
    appointed_by: str

    def public(self) -> BoardSeat:
        return BoardSeat(
            seat_id=self.seat_id,
            seat=self.seat.value,
            name=self.name,
            participant_id=self.participant_id,
            candidate_id=self.candidate_id,
            appointed_on=self.appointed_on,
        )


# Roles whose holders can never decide for a group, whatever else they hold [¶55].
OUTSIDER_ROLES: Final = {
    "committee_member": "a Support Committee member",
    "donor_portal": "a donor",
    "partner_bank": "a lender",
}
REPRESENTATIVE_ROLE: Final = "board_representative"
MEMBER_ROLES: Final = frozenset({"participant", REPRESENTATIVE_ROLE})
RULE: Final = "¶55"


def refuse_outsiders(actor: Actor, support_committee_participants: Iterable[str]) -> None:
    """Support Committee members, donors and lenders never authorize or vote [¶55]."""
    for role, who in OUTSIDER_ROLES.items():
        if role in actor.roles:
            raise DecisionRefused(
                f"the caller acts as {who} ({role}); support, donations or loans give no right "
                "to take the group's decisions, which belong to its representatives on the "
                "Board of the Development Organization",
                rule=RULE,
                refused_role=role,
            )
    if actor.participant_id is not None and actor.participant_id in set(
        support_committee_participants
    ):
        raise DecisionRefused(
            "the caller sits on this project's Support Committee, whose members may not take "
            "part in the group's decisions",
            rule=RULE,
        )


def decider(actor: Actor, representatives: Iterable[str]) -> str:
    """The deciding representative's participant id, or DecisionRefused saying why not."""
    reps = set(representatives)
    if not reps:
        raise DecisionRefused(
            "the board has no member representatives yet; the group appoints them first",
            rule=RULE,
        )
    if REPRESENTATIVE_ROLE not in actor.roles or actor.participant_id not in reps:
        raise DecisionRefused(
            "only the group's member representatives on the Board take board decisions",
            rule=RULE,
        )
    return actor.participant_id


def founding_member(actor: Actor, active_members: Iterable[str]) -> str:
    """While the board has no representatives, an active member acts for the group [¶49]."""
    if not MEMBER_ROLES & actor.roles or actor.participant_id not in set(active_members):
        raise DecisionRefused(
            "the first representatives are appointed by the group itself: the caller must be an "
            "active member of the group",
            rule="¶49",
        )
    return actor.participant_id

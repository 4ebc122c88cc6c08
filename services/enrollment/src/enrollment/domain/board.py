"""The Development Organization's Board of Directors [¶49, ¶54] and who may decide [¶55]."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Final

from pydantic import BaseModel

from enrollment.domain.actor import Actor
from enrollment.domain.errors import DecisionRefused
from megp_common import decisions
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


RULE: Final = decisions.RULE
MEMBER_ROLES: Final = decisions.MEMBER_ROLES


def refuse_outsiders(actor: Actor, support_committee_participants: Iterable[str]) -> None:
    """Support Committee members, donors and lenders never authorize or vote [¶55] (the
    platform's one decision-rights policy, `megp_common.decisions`)."""
    decisions.refuse_outsiders(actor.roles, actor.participant_id, support_committee_participants)


def decider(actor: Actor, representatives: Iterable[str]) -> str:
    """The deciding representative's participant id, or DecisionRefused saying why not."""
    governance = decisions.Governance.of(representatives)
    return decisions.board_decider(actor.roles, actor.participant_id, governance)


def founding_member(actor: Actor, active_members: Iterable[str]) -> str:
    """While the board has no representatives, an active member acts for the group [¶49]."""
    if not MEMBER_ROLES & actor.roles or actor.participant_id not in set(active_members):
        raise DecisionRefused(
            "the first representatives are appointed by the group itself: the caller must be an "
            "active member of the group",
            rule="¶49",
        )
    return actor.participant_id

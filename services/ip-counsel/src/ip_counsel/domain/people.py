"""Who ip-counsel knows, learnt from enrollment's events: participants (the inventor flag and
programmes [¶20]), project groups (the platform's one group record, kept by
megp_common.group_events) and each group's Innovation Committee [¶57], the committee whose
members review the group's disclosures."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from megp_common.aggregate import Aggregate
from megp_common.groups import GroupRecord

__all__ = ["CommitteeSeat", "GroupRecord", "InnovationCommittee", "ParticipantRecord"]

#: How enrollment names an Innovation Committee in `CommitteeFormed.kind` [¶57].
INNOVATION = "innovation"


class ParticipantRecord(Aggregate):
    """A participant as ip-counsel needs them: are they an inventor, in which state."""

    state: str | None = None
    group_id: str | None = None
    inventor: bool = False
    programmes: list[str] = []
    #: when enrollment stated this (an older snapshot arriving late changes nothing)
    as_of: datetime | None = None

    def state_code(self) -> str | None:
        return self.state


class CommitteeSeat(BaseModel):
    """One current member of an Innovation Committee: a group coordinator (a member of the
    group, so a participant), a student, a professor or an industrial designer (often no
    participant at all)."""

    member_id: str
    name: str
    role: str
    participant_id: str | None = None


class InnovationCommittee(Aggregate):
    """A project's Innovation Committee: the reviewers of its group's disclosures [¶57]."""

    group_id: str | None = None
    project_id: str | None = None
    state: str | None = None
    name: str = ""
    seats: dict[str, CommitteeSeat] = {}

    def state_code(self) -> str | None:
        return self.state

    def partition_key(self) -> str:
        return self.group_id or self.id

    def seat(self, seat: CommitteeSeat) -> None:
        self.seats[seat.member_id] = seat

    def unseat(self, member_id: str) -> None:
        self.seats.pop(member_id, None)

    def seat_of(self, *, subject: str, participant_id: str | None) -> CommitteeSeat | None:
        """The seat a caller holds: a participant by their participant id, anyone else by the
        token's subject, which the identity provider sets to their committee member id."""
        for seat in self.seats.values():
            if participant_id is not None and seat.participant_id == participant_id:
                return seat
            if seat.member_id == subject:
                return seat
        return None

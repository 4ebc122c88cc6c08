"""What a service knows of a project group, learnt from enrollment's events: its state and
municipality, its ODF, its member representatives on the board, its active members and the
participants on its project's Support Committee. Credit (who may borrow or lease, who decides
for the group) and trade (who produces, whose ODF sells) keep a copy each, in their own
database, maintained by the same handlers (`megp_common.group_events`). Pure: a domain may
import it."""

from __future__ import annotations

from megp_common.aggregate import Aggregate
from megp_common.decisions import Governance


class GroupRecord(Aggregate):
    state: str | None = None
    municipality: str | None = None
    odf_id: str | None = None
    board: list[str] = []
    members: list[str] = []
    support_committee: list[str] = []

    def is_member(self, participant_id: str) -> bool:
        return participant_id in self.members

    def set_member(self, participant_id: str, *, active: bool) -> None:
        self.members = _with(self.members, participant_id, active)

    def set_on_support_committee(self, participant_id: str, *, sits: bool) -> None:
        self.support_committee = _with(self.support_committee, participant_id, sits)

    @property
    def governance(self) -> Governance:
        """Who decides for the group [¶55] (see megp_common.decisions)."""
        return Governance.of(self.board, self.support_committee)

    def partition_key(self) -> str:
        return self.id

    def state_code(self) -> str | None:
        return self.state


def _with(ids: list[str], participant_id: str, present: bool) -> list[str]:
    current = set(ids)
    if present:
        current.add(participant_id)
    else:
        current.discard(participant_id)
    return sorted(current)

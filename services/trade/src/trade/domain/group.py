"""What trade knows of a project group, learnt from enrollment's events: its state, its ODF
(the only one who lists and sells its members' products [¶94]), its active members (the
producers) and its governance (who decides for it [¶55])."""

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
        current = set(self.members)
        if active:
            current.add(participant_id)
        else:
            current.discard(participant_id)
        self.members = sorted(current)

    def set_on_support_committee(self, participant_id: str, *, sits: bool) -> None:
        current = set(self.support_committee)
        if sits:
            current.add(participant_id)
        else:
            current.discard(participant_id)
        self.support_committee = sorted(current)

    @property
    def governance(self) -> Governance:
        return Governance.of(self.board, self.support_committee)

    def partition_key(self) -> str:
        return self.id

    def state_code(self) -> str | None:
        return self.state

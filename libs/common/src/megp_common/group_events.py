"""The handlers that keep a service's copy of each project group (`megp_common.groups`) from
enrollment's events. Each is idempotent: the event id is recorded in the same write as its
effect. A service merges `group_handlers(...)` into its own handler table."""

from __future__ import annotations

from typing import Any

from megp_common.consumer import Handler
from megp_common.contracts import enrollment as enr
from megp_common.events import EventEnvelope
from megp_common.groups import GroupRecord
from megp_common.handling import Family, Planned
from megp_common.mongo import AggregateRepository


def group_handlers(repo: AggregateRepository[Any]) -> dict[str, Handler]:
    """Handlers of the six enrollment events that shape a group, writing to `repo` (whose
    aggregates are GroupRecords). A run of them (a group's members joining, one event each, its
    board and committee seats among them) is applied with one read and one write per group
    (`megp_common.handling.Family`)."""

    def group_formed(env: EventEnvelope, e: enr.ProjectGroupFormed) -> Planned[GroupRecord]:
        def learn(g: GroupRecord) -> None:
            g.state, g.municipality, g.odf_id = e.state_code, e.municipality, e.odf_id
            for participant_id in e.member_participant_ids:
                g.set_member(participant_id, active=True)

        return Planned(e.group_id, learn)

    def board_changed(env: EventEnvelope, e: enr.BoardChanged) -> Planned[GroupRecord]:
        def seat(g: GroupRecord) -> None:
            g.board, g.odf_id = list(e.representative_participant_ids), e.odf_id

        return Planned(e.group_id, seat)

    def member_joined(env: EventEnvelope, e: enr.MemberJoinedGroup) -> Planned[GroupRecord]:
        return Planned(e.group_id, lambda g: g.set_member(e.participant_id, active=True))

    def member_left(env: EventEnvelope, e: enr.MemberLeftGroup) -> Planned[GroupRecord]:
        return Planned(e.group_id, lambda g: g.set_member(e.participant_id, active=False))

    def committee_changed(
        env: EventEnvelope, e: enr.CommitteeMemberAdded | enr.CommitteeMemberRemoved
    ) -> Planned[GroupRecord] | None:
        participant, group_id = e.participant_id, e.group_id
        if e.kind != "support" or not participant or not group_id:
            return None
        sits = isinstance(e, enr.CommitteeMemberAdded)
        return Planned(group_id, lambda g: g.set_on_support_committee(participant, sits=sits))

    family: Family[Any] = Family(repo)  # the six types share runs: one write per group

    def handler(plan: Any) -> Handler:
        return family.batched(plan, create=lambda group_id: GroupRecord(id=group_id))

    return {
        enr.ProjectGroupFormed.event_type: handler(group_formed),
        enr.BoardChanged.event_type: handler(board_changed),
        enr.MemberJoinedGroup.event_type: handler(member_joined),
        enr.MemberLeftGroup.event_type: handler(member_left),
        enr.CommitteeMemberAdded.event_type: handler(committee_changed),
        enr.CommitteeMemberRemoved.event_type: handler(committee_changed),
    }

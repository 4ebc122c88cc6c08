"""The handlers that keep a service's copy of each project group (`megp_common.groups`) from
enrollment's events. Each is idempotent: the event id is recorded in the same write as its
effect. A service merges `group_handlers(...)` into its own handler table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from megp_common.consumer import Handler
from megp_common.contracts import enrollment as enr
from megp_common.events import EventEnvelope
from megp_common.groups import GroupRecord
from megp_common.handling import apply_once
from megp_common.mongo import AggregateRepository, Shard


def group_handlers(repo: AggregateRepository[Any]) -> dict[str, Handler]:
    """Handlers of the six enrollment events that shape a group, writing to `repo` (whose
    aggregates are GroupRecords)."""

    async def apply(
        group_id: str, env: EventEnvelope, change: Callable[[GroupRecord], None]
    ) -> None:
        await apply_once(
            repo,
            group_id,
            env.id,
            change,
            create=lambda: GroupRecord(id=group_id),
            shard=Shard(env.state, group_id),
        )

    async def group_formed(env: EventEnvelope, e: enr.ProjectGroupFormed) -> None:
        def learn(g: GroupRecord) -> None:
            g.state, g.municipality, g.odf_id = e.state_code, e.municipality, e.odf_id
            for participant_id in e.member_participant_ids:
                g.set_member(participant_id, active=True)

        await apply(e.group_id, env, learn)

    async def board_changed(env: EventEnvelope, e: enr.BoardChanged) -> None:
        def seat(g: GroupRecord) -> None:
            g.board, g.odf_id = list(e.representative_participant_ids), e.odf_id

        await apply(e.group_id, env, seat)

    async def member_joined(env: EventEnvelope, e: enr.MemberJoinedGroup) -> None:
        await apply(e.group_id, env, lambda g: g.set_member(e.participant_id, active=True))

    async def member_left(env: EventEnvelope, e: enr.MemberLeftGroup) -> None:
        await apply(e.group_id, env, lambda g: g.set_member(e.participant_id, active=False))

    async def committee_changed(
        env: EventEnvelope, e: enr.CommitteeMemberAdded | enr.CommitteeMemberRemoved
    ) -> None:
        participant, group_id = e.participant_id, e.group_id
        if e.kind != "support" or not participant or not group_id:
            return
        sits = isinstance(e, enr.CommitteeMemberAdded)
        await apply(group_id, env, lambda g: g.set_on_support_committee(participant, sits=sits))

    table: dict[str, Any] = {
        enr.ProjectGroupFormed.event_type: group_formed,
        enr.BoardChanged.event_type: board_changed,
        enr.MemberJoinedGroup.event_type: member_joined,
        enr.MemberLeftGroup.event_type: member_left,
        enr.CommitteeMemberAdded.event_type: committee_changed,
        enr.CommitteeMemberRemoved.event_type: committee_changed,
    }
    return table

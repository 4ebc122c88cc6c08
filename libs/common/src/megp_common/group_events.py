"""The handlers that keep a service's copy of each project group (`megp_common.groups`) from
enrollment's events. Each is idempotent: the event id is recorded in the same write as its
effect. A service merges `group_handlers(...)` into its own handler table; each handler
takes runs of its events (`BatchHandler`) and may be called with one event as well."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from megp_common.consumer import BatchHandler, Handler
from megp_common.contracts import enrollment as enr
from megp_common.events import EventEnvelope
from megp_common.groups import GroupRecord
from megp_common.handling import apply_many_once
from megp_common.mongo import AggregateRepository

Change = Callable[[GroupRecord], None]


def group_handlers(repo: AggregateRepository[Any]) -> dict[str, Handler]:
    """Handlers of the six enrollment events that shape a group, writing to `repo` (whose
    aggregates are GroupRecords). Each takes a run of its events at once: an intake sheet's
    joins (one event per member) are applied to the group record with one read and one write."""

    def batch(plan: Callable[[Any], tuple[str, Change] | None]) -> BatchHandler:
        async def handle(items: list[tuple[EventEnvelope, Any]]) -> None:
            work = []
            for env, e in items:
                planned = plan(e)
                if planned is not None:
                    work.append((planned[0], env.id, planned[1]))
            if work:
                await apply_many_once(repo, work, create=lambda i: GroupRecord(id=i))

        return BatchHandler(handle)

    def group_formed(e: enr.ProjectGroupFormed) -> tuple[str, Change]:
        def learn(g: GroupRecord) -> None:
            g.state, g.municipality, g.odf_id = e.state_code, e.municipality, e.odf_id
            for participant_id in e.member_participant_ids:
                g.set_member(participant_id, active=True)

        return e.group_id, learn

    def board_changed(e: enr.BoardChanged) -> tuple[str, Change]:
        def seat(g: GroupRecord) -> None:
            g.board, g.odf_id = list(e.representative_participant_ids), e.odf_id

        return e.group_id, seat

    def member_joined(e: enr.MemberJoinedGroup) -> tuple[str, Change]:
        return e.group_id, lambda g: g.set_member(e.participant_id, active=True)

    def member_left(e: enr.MemberLeftGroup) -> tuple[str, Change]:
        return e.group_id, lambda g: g.set_member(e.participant_id, active=False)

    def committee_changed(
        e: enr.CommitteeMemberAdded | enr.CommitteeMemberRemoved,
    ) -> tuple[str, Change] | None:
        participant, group_id = e.participant_id, e.group_id
        if e.kind != "support" or not participant or not group_id:
            return None
        sits = isinstance(e, enr.CommitteeMemberAdded)
        return group_id, lambda g: g.set_on_support_committee(participant, sits=sits)

    table: dict[str, Any] = {
        enr.ProjectGroupFormed.event_type: batch(group_formed),
        enr.BoardChanged.event_type: batch(board_changed),
        enr.MemberJoinedGroup.event_type: batch(member_joined),
        enr.MemberLeftGroup.event_type: batch(member_left),
        enr.CommitteeMemberAdded.event_type: batch(committee_changed),
        enr.CommitteeMemberRemoved.event_type: batch(committee_changed),
    }
    return table

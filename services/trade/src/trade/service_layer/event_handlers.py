"""What trade does with other services' events: it learns each project group's state, ODF,
members (the producers) and governance from enrollment. Each handler is idempotent: the event
id is recorded in the same write as its effect."""

from __future__ import annotations

from typing import Any

from megp_common.consumer import Handler
from megp_common.contracts import enrollment as enr
from megp_common.events import EventEnvelope
from megp_common.handling import apply_once
from trade.domain.group import GroupRecord
from trade.service_layer.container import Services


def handlers(services: Services) -> dict[str, Handler]:
    return EventHandlers(services).table()


class EventHandlers:
    """One method per event trade consumes; `table` keys them by the contract's event type."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def table(self) -> dict[str, Any]:
        return {
            enr.ProjectGroupFormed.event_type: self.group_formed,
            enr.BoardChanged.event_type: self.board_changed,
            enr.MemberJoinedGroup.event_type: self.member_joined,
            enr.MemberLeftGroup.event_type: self.member_left,
            enr.CommitteeMemberAdded.event_type: self.committee_changed,
            enr.CommitteeMemberRemoved.event_type: self.committee_changed,
        }

    async def _apply(self, group_id: str, event_id: str, change: Any) -> None:
        await apply_once(
            self.services.groups,
            group_id,
            event_id,
            change,
            create=lambda: GroupRecord(id=group_id),
        )

    async def group_formed(self, env: EventEnvelope, e: enr.ProjectGroupFormed) -> None:
        def learn(g: GroupRecord) -> None:
            g.state, g.municipality, g.odf_id = e.state_code, e.municipality, e.odf_id
            for participant_id in e.member_participant_ids:
                g.set_member(participant_id, active=True)

        await self._apply(e.group_id, env.id, learn)

    async def board_changed(self, env: EventEnvelope, e: enr.BoardChanged) -> None:
        def seat(g: GroupRecord) -> None:
            g.board, g.odf_id = list(e.representative_participant_ids), e.odf_id

        await self._apply(e.group_id, env.id, seat)

    async def member_joined(self, env: EventEnvelope, e: enr.MemberJoinedGroup) -> None:
        await self._apply(e.group_id, env.id, lambda g: g.set_member(e.participant_id, active=True))

    async def member_left(self, env: EventEnvelope, e: enr.MemberLeftGroup) -> None:
        await self._apply(
            e.group_id, env.id, lambda g: g.set_member(e.participant_id, active=False)
        )

    async def committee_changed(
        self, env: EventEnvelope, e: enr.CommitteeMemberAdded | enr.CommitteeMemberRemoved
    ) -> None:
        participant, group_id = e.participant_id, e.group_id
        if e.kind != "support" or not participant or not group_id:
            return
        sits = isinstance(e, enr.CommitteeMemberAdded)
        await self._apply(
            group_id, env.id, lambda g: g.set_on_support_committee(participant, sits=sits)
        )

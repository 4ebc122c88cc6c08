"""What ip-counsel does with other services' events: from enrollment it learns participants
(the inventor flag [¶20]), project groups (state, members; megp_common.group_events) and each
group's Innovation Committee [¶57] (`CommitteeFormed` with kind `innovation`, and its
`CommitteeMember*` events). Each handler is idempotent: the event id is recorded in the same
write as its effect."""

from __future__ import annotations

from typing import Any

from ip_counsel.domain.people import (
    INNOVATION,
    CommitteeSeat,
    InnovationCommittee,
    ParticipantRecord,
)
from ip_counsel.service_layer.container import Services
from megp_common.consumer import Handler
from megp_common.contracts import enrollment as enr
from megp_common.events import EventEnvelope
from megp_common.group_events import group_handlers
from megp_common.handling import Planned, apply_once, batched
from megp_common.mongo import Shard


def handlers(services: Services) -> dict[str, Handler]:
    return EventHandlers(services).table()


class EventHandlers:
    """One method per event ip-counsel consumes; `table` keys them by the contract's type."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.groups = group_handlers(services.groups)
        # a run of participant events (a registration sheet's, one per person) at once: one
        # read of the run's records and one bulk insert of the new ones
        self.participant = batched(
            services.participants,
            plan_participant,
            create=lambda participant_id: ParticipantRecord(id=participant_id),
        )

    def table(self) -> dict[str, Any]:
        return self.groups | {
            enr.ParticipantEnrolled.event_type: self.participant,
            enr.ParticipantUpdated.event_type: self.participant,
            enr.CommitteeFormed.event_type: self.committee_formed,
            enr.CommitteeMemberAdded.event_type: self.committee_member,
            enr.CommitteeMemberRemoved.event_type: self.committee_member,
        }

    async def committee_formed(self, env: EventEnvelope, e: enr.CommitteeFormed) -> None:
        if e.kind != INNOVATION:
            return

        def learn(c: InnovationCommittee) -> None:
            c.group_id, c.project_id, c.state, c.name = (
                e.group_id,
                e.project_id,
                e.state_code,
                e.name,
            )

        await apply_once(
            self.services.committees,
            e.committee_id,
            env.id,
            learn,
            create=lambda: InnovationCommittee(id=e.committee_id),
            shard=Shard(e.state_code or env.state, e.group_id),
        )

    async def committee_member(
        self, env: EventEnvelope, e: enr.CommitteeMemberAdded | enr.CommitteeMemberRemoved
    ) -> None:
        await self.groups[env.type](env, e)  # a Support Committee seat: the group record's
        if e.kind != INNOVATION:
            return
        seat = CommitteeSeat(
            member_id=e.member_id, name=e.name, role=e.role, participant_id=e.participant_id
        )
        added = isinstance(e, enr.CommitteeMemberAdded)

        def change(c: InnovationCommittee) -> None:
            c.group_id = c.group_id or e.group_id
            if added:
                c.seat(seat)
            else:
                c.unseat(e.member_id)

        await apply_once(
            self.services.committees,
            e.committee_id,
            env.id,
            change,
            # its state as the envelope tells it (the committee's), the key it is stored under
            create=lambda: InnovationCommittee(
                id=e.committee_id, group_id=e.group_id, state=env.state
            ),
            shard=Shard(env.state, e.group_id),
        )


def plan_participant(
    env: EventEnvelope, e: enr.ParticipantEnrolled | enr.ParticipantUpdated
) -> Planned[ParticipantRecord]:
    """What a participant event does to ip-counsel's record of the person (the inventor flag,
    state, group and programmes), unless enrollment said something newer already."""
    stated = e.enrolled_at if isinstance(e, enr.ParticipantEnrolled) else e.updated_at

    def learn(p: ParticipantRecord) -> None:
        if p.as_of is not None and stated < p.as_of:
            return  # enrollment said something newer already
        p.as_of = stated
        p.state, p.group_id = e.state_code, e.group_id
        p.inventor, p.programmes = e.inventor, list(e.programmes)

    return Planned(e.participant_id, learn)

"""Board decisions: appointments and removals, taken only by the group's representatives [¶55]."""

from __future__ import annotations

from collections.abc import Awaitable

from enrollment.domain.actor import Actor
from enrollment.domain.board import Seat, SeatKind, decider, founding_member, refuse_outsiders
from enrollment.domain.committee import (
    CandidatePosition,
    Committee,
    CommitteeKind,
    committee_id_for,
)
from enrollment.domain.errors import InvalidData, Missing
from enrollment.domain.group import ProjectGroup
from enrollment.service_layer.container import Services, retrying, scoped
from megp_common.mongo import Shard


def _support_committee_of(services: Services, group: ProjectGroup) -> Awaitable[Committee | None]:
    """The project's Support Committee (its group's, in its state)."""
    committee_id = committee_id_for(CommitteeKind.SUPPORT, group.project_id)
    return services.committees.find(committee_id, Shard(group.state, group.id))


async def _support_committee(services: Services, group: ProjectGroup) -> set[str]:
    committee = await _support_committee_of(services, group)
    return committee.member_participant_ids() if committee else set()


async def _authorized(services: Services, actor: Actor, group: ProjectGroup) -> str:
    actor.check_state(group.state)
    refuse_outsiders(actor, await _support_committee(services, group))
    return decider(actor, group.representative_ids())


async def appoint_representative(
    services: Services, actor: Actor, group_id: str, participant_id: str, seat_id: str
) -> ProjectGroup:
    """The group appoints its representatives [¶49]: the first ones by an active member acting
    for the group, the following ones by the representatives already on the board."""

    async def attempt() -> ProjectGroup:
        group = await services.groups.get(group_id, scoped(actor))
        actor.check_state(group.state)
        refuse_outsiders(actor, await _support_committee(services, group))
        reps = group.representative_ids()
        decided_by = (
            decider(actor, reps) if reps else founding_member(actor, group.active_member_ids())
        )
        member = group.members.get(participant_id)
        now = services.now()
        group.appoint(
            Seat(
                seat_id=seat_id,
                seat=SeatKind.MEMBER_REPRESENTATIVE,
                name=member.name if member else participant_id,
                participant_id=participant_id,
                appointed_on=now.date(),
                appointed_by=decided_by,
            ),
            now,
        )
        await services.groups.save(group)
        return group

    return await retrying(attempt)


async def appoint_candidate(
    services: Services,
    actor: Actor,
    group_id: str,
    candidate_id: str,
    position: CandidatePosition,
    seat_id: str,
) -> ProjectGroup:
    """Special members and the Director General come from the Support Committee's proposals;
    the board appoints them [¶54]."""

    async def attempt() -> ProjectGroup:
        group = await services.groups.get(group_id, scoped(actor))
        decided_by = await _authorized(services, actor, group)
        committee = await _support_committee_of(services, group)
        candidate = committee.candidates.get(candidate_id) if committee else None
        if candidate is None:
            raise Missing(
                f"the project's Support Committee proposed no candidate {candidate_id}",
                candidate_id=candidate_id,
            )
        if candidate.position is not position:
            raise InvalidData(
                f"candidate {candidate_id} was proposed as {candidate.position.value}",
                field="candidate_id",
            )
        now = services.now()
        group.appoint(
            Seat(
                seat_id=seat_id,
                seat=SeatKind(position.value),
                name=candidate.name,
                participant_id=candidate.participant_id,
                candidate_id=candidate_id,
                appointed_on=now.date(),
                appointed_by=decided_by,
            ),
            now,
        )
        await services.groups.save(group)
        return group

    return await retrying(attempt)


async def remove(
    services: Services, actor: Actor, group_id: str, seat_id: str, reason: str
) -> ProjectGroup:
    async def attempt() -> ProjectGroup:
        group = await services.groups.get(group_id, scoped(actor))
        decided_by = await _authorized(services, actor, group)
        group.remove_seat(seat_id, reason, decided_by, services.now())
        await services.groups.save(group)
        return group

    return await retrying(attempt)

"""Forming committees, their members and the Support Committee's proposals."""

from __future__ import annotations

from enrollment.domain.actor import Actor
from enrollment.domain.committee import (
    Candidate,
    CandidatePosition,
    Committee,
    CommitteeKind,
    CommitteeMember,
    Discipline,
    Level,
    committee_id_for,
)
from enrollment.domain.errors import StateConflict
from enrollment.domain.project import group_id_for
from enrollment.service_layer.container import Services, retrying, scoped
from megp_common.errors import Conflict
from megp_common.mongo import Shard


async def form(
    services: Services,
    actor: Actor,
    committee_id: str,
    *,
    kind: CommitteeKind,
    name: str,
    project_id: str | None,
    discipline: Discipline | None,
    level: Level | None,
    state: str | None,
    region: str | None,
) -> Committee:
    group_id = None
    if project_id is not None:
        project = await services.projects.get(project_id, scoped(actor, group_id_for(project_id)))
        state, group_id = project.state, project.group_id
        if kind in (CommitteeKind.SUPPORT, CommitteeKind.INNOVATION):
            committee_id = committee_id_for(kind, project_id)
    actor.check_state(state)
    committee = Committee.form(
        committee_id,
        kind=kind,
        name=name,
        now=services.now(),
        project_id=project_id,
        group_id=group_id,
        discipline=discipline,
        level=level,
        state=state,
        region=region,
    )
    try:
        await services.committees.add(committee)
    except Conflict:
        existing = await services.committees.get(committee_id, Shard(state, group_id))
        if existing.kind in (CommitteeKind.SUPPORT, CommitteeKind.INNOVATION):
            raise StateConflict(
                f"project {project_id} already has its {kind.value} committee {committee_id}",
                committee_id=committee_id,
            ) from None
        return existing  # a retry of the same request
    return committee


async def add_member(
    services: Services, actor: Actor, committee_id: str, member: CommitteeMember
) -> Committee:
    async def attempt() -> Committee:
        committee = await services.committees.get(committee_id, scoped(actor))
        actor.check_state(committee.state)
        group_members: list[str] = []
        if committee.group_id:
            group = await services.groups.find(committee.group_id, Shard(committee.state))
            group_members = group.active_member_ids() if group else []
        if member.member_id in committee.members:
            return committee  # the same request again (member ids come from idempotency keys)
        committee.add_member(member, group_members)
        await services.committees.save(committee)
        return committee

    return await retrying(attempt)


async def remove_member(
    services: Services, actor: Actor, committee_id: str, member_id: str, reason: str
) -> Committee:
    async def attempt() -> Committee:
        committee = await services.committees.get(committee_id, scoped(actor))
        actor.check_state(committee.state)
        committee.remove_member(member_id, reason, services.now().date())
        await services.committees.save(committee)
        return committee

    return await retrying(attempt)


async def propose_candidate(
    services: Services,
    actor: Actor,
    committee_id: str,
    *,
    candidate_id: str,
    position: CandidatePosition,
    name: str,
    participant_id: str | None,
    profile: str,
) -> Candidate:
    async def attempt() -> Candidate:
        committee = await services.committees.get(committee_id, scoped(actor))
        actor.check_state(committee.state)
        if candidate_id in committee.candidates:
            return committee.candidates[candidate_id]  # the same request again
        candidate = Candidate(
            candidate_id=candidate_id,
            position=position,
            name=name,
            participant_id=participant_id,
            profile=profile,
            proposed_on=services.now().date(),
            proposed_by=actor.subject,
        )
        committee.propose(candidate)
        await services.committees.save(committee)
        return candidate

    return await retrying(attempt)

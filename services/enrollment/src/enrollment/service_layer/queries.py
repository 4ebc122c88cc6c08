"""Reads behind the list endpoints. Every list is a page and a cursor (see megp_common.web)."""

from __future__ import annotations

import asyncio
from typing import Any

from enrollment.domain.actor import NATIONAL, Actor
from enrollment.domain.business_plan import BusinessPlan, plan_id_for
from enrollment.domain.committee import Committee, CommitteeMember
from enrollment.domain.group import ProjectGroup
from enrollment.domain.group_period import GroupPeriod, group_period_id
from enrollment.domain.membership import Membership
from enrollment.domain.participant import Participant
from enrollment.domain.periods import Period
from enrollment.domain.project import Project
from enrollment.service_layer.container import Services, scoped
from megp_common.mongo import Shard
from megp_common.web import page_of_sequence

Page = tuple[list[Any], str | None]


def visible_states(actor: Actor, state: str | None) -> list[str] | None:
    """Only what the caller may see: the state asked for, else the caller's states (None: every
    state, for a national caller)."""
    if state is not None:
        actor.check_state(state)
        return [state]
    return None if NATIONAL in actor.states else sorted(actor.states)


async def participants(
    services: Services,
    actor: Actor,
    *,
    state: str | None,
    municipality: str | None,
    programme: str | None,
    group_id: str | None,
    curp: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Participant], str | None]:
    if curp is not None:
        found = await services.participants.by_curp(curp.strip().upper(), scoped(actor))
        visible = [found] if found and actor.has_state(found.state) else []
        return visible, None
    if group_id is not None:
        group = await services.groups.get(group_id, scoped(actor))
        actor.check_state(group.state)
        ids, next_cursor = page_of_sequence(
            group.active_member_ids(), str, cursor=cursor, limit=limit
        )
        loaded = await services.participants.find_by_ids(
            ids, dict.fromkeys(ids, Shard(group.state))
        )
        return [loaded[i] for i in ids if i in loaded], next_cursor
    return await services.participants.page(
        visible_states(actor, state),
        municipality=municipality,
        programme=programme,
        cursor=cursor,
        limit=limit,
    )


async def projects(
    services: Services,
    actor: Actor,
    *,
    state: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Project], str | None]:
    scope = visible_states(actor, state)
    return await services.projects.page(scope, status=status, cursor=cursor, limit=limit)


async def ranking(
    services: Services,
    actor: Actor,
    *,
    state: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Project], str | None]:
    """Proposals by priority score, highest first; equal scores in order of proposal."""
    scope = visible_states(actor, state)
    return await services.projects.ranking(scope, status=status, cursor=cursor, limit=limit)


async def groups(
    services: Services,
    actor: Actor,
    *,
    state: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[ProjectGroup], str | None]:
    scope = visible_states(actor, state)
    return await services.groups.page(scope, status=status, cursor=cursor, limit=limit)


async def group(services: Services, actor: Actor, group_id: str) -> ProjectGroup:
    found = await services.groups.get(group_id, scoped(actor))
    actor.check_state(found.state)
    return found


async def members(
    services: Services,
    actor: Actor,
    group_id: str,
    *,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Membership], str | None]:
    found = await group(services, actor, group_id)
    rows = [m for m in found.members.values() if status is None or m.status.value == status]
    return page_of_sequence(rows, lambda m: m.participant_id, cursor=cursor, limit=limit)


async def committees(
    services: Services,
    actor: Actor,
    *,
    kind: str | None,
    project_id: str | None,
    state: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Committee], str | None]:
    return await services.committees.page(
        visible_states(actor, state),
        kind=kind,
        project_id=project_id,
        cursor=cursor,
        limit=limit,
    )


async def committee(services: Services, actor: Actor, committee_id: str) -> Committee:
    found = await services.committees.get(committee_id, scoped(actor))
    if found.state is not None:
        actor.check_state(found.state)
    return found


async def committee_members(
    services: Services,
    actor: Actor,
    committee_id: str,
    *,
    include_removed: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[CommitteeMember], str | None]:
    found = await committee(services, actor, committee_id)
    rows = [m for m in found.members.values() if include_removed or m.active]
    return page_of_sequence(rows, lambda m: m.member_id, cursor=cursor, limit=limit)


async def plans(
    services: Services, actor: Actor, group_id: str, *, cursor: str | None, limit: int
) -> tuple[list[BusinessPlan], str | None]:
    found = await group(services, actor, group_id)
    ids, next_cursor = page_of_sequence(sorted(found.members), str, cursor=cursor, limit=limit)
    shard = Shard(found.state, group_id)
    return await services.plans.get_many(
        [plan_id_for(group_id, p) for p in ids], shard
    ), next_cursor


async def plan_periods(
    services: Services, plan: BusinessPlan, *, cursor: str | None, limit: int
) -> tuple[list[tuple[Period, GroupPeriod | None]], str | None]:
    """The plan's periods begun so far, oldest first, with what was recorded for each."""
    today = services.now().date()
    starts: list[Period] = []
    period = Period(plan.start_date, plan.period_months)
    while period.start <= today:
        starts.append(period)
        period = period.following()
    page, next_cursor = page_of_sequence(
        starts, lambda p: p.start.isoformat(), cursor=cursor, limit=limit
    )
    shard = Shard(plan.state, plan.group_id)
    docs = await asyncio.gather(
        *(services.periods.find(group_period_id(plan.group_id, p), shard) for p in page)
    )
    return list(zip(page, docs, strict=True)), next_cursor

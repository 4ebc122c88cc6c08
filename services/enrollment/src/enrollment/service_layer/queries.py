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
from enrollment.service_layer.container import Services
from megp_common.errors import ValidationFailed
from megp_common.web import decode_cursor, encode_cursor, page_by_id, page_of_sequence

Page = tuple[list[Any], str | None]


def state_filter(actor: Actor, state: str | None) -> dict[str, Any]:
    """Only what the caller may see: the state asked for, else the caller's states."""
    if state is not None:
        actor.check_state(state)
        return {"state": state}
    return {} if NATIONAL in actor.states else {"state": {"$in": sorted(actor.states)}}


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
        found = await services.participants.by_curp(curp.strip().upper())
        visible = [found] if found and actor.has_state(found.state) else []
        return visible, None
    if group_id is not None:
        group = await services.groups.get(group_id)
        actor.check_state(group.state)
        ids, next_cursor = page_of_sequence(
            group.active_member_ids(), str, cursor=cursor, limit=limit
        )
        loaded = await asyncio.gather(*(services.participants.find(i) for i in ids))
        return [p for p in loaded if p is not None], next_cursor
    query = state_filter(actor, state)
    if municipality:
        query["municipality"] = municipality
    if programme:
        query["programmes"] = programme  # an array: no scalar pushdown
    return await page_by_id(
        services.participants, query, cursor=cursor, limit=limit, scalar_eq=not programme
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
    query = state_filter(actor, state) | ({"status": status} if status else {})
    return await page_by_id(services.projects, query, cursor=cursor, limit=limit, scalar_eq=True)


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
    query: dict[str, Any] = state_filter(actor, state) | ({"status": status} if status else {})
    if cursor:
        position = decode_cursor(cursor)
        score, after = position.get("score"), position.get("after")
        if not isinstance(score, int) or not isinstance(after, str):
            raise ValidationFailed("the cursor is not valid for this list")
        query = {
            "$and": [
                query,
                {
                    "$or": [
                        {"priority_score": {"$lt": score}},
                        {"priority_score": score, "_id": {"$gt": after}},
                    ]
                },
            ]
        }
    found = await services.projects.find_many(
        query, sort=[("priority_score", -1), ("_id", 1)], limit=limit + 1
    )
    page = found[:limit]
    if len(found) > limit and page:
        return page, encode_cursor({"score": page[-1].priority_score, "after": page[-1].id})
    return page, None


async def groups(
    services: Services,
    actor: Actor,
    *,
    state: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[ProjectGroup], str | None]:
    query = state_filter(actor, state) | ({"status": status} if status else {})
    return await page_by_id(services.groups, query, cursor=cursor, limit=limit, scalar_eq=True)


async def group(services: Services, actor: Actor, group_id: str) -> ProjectGroup:
    found = await services.groups.get(group_id)
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
    query: dict[str, Any] = {}
    if state is not None or NATIONAL not in actor.states:
        scope = state_filter(actor, state)["state"]
        query["$or"] = [{"state": scope}, {"state": None}]
    query |= ({"kind": kind} if kind else {}) | ({"project_id": project_id} if project_id else {})
    return await page_by_id(services.committees, query, cursor=cursor, limit=limit, scalar_eq=True)


async def committee(services: Services, actor: Actor, committee_id: str) -> Committee:
    found = await services.committees.get(committee_id)
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
    return await services.plans.get_many([plan_id_for(group_id, p) for p in ids]), next_cursor


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
    docs = await asyncio.gather(
        *(services.periods.find(group_period_id(plan.group_id, p)) for p in page)
    )
    return list(zip(page, docs, strict=True)), next_cursor

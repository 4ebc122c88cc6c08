"""Proposing projects and forming their groups."""

from __future__ import annotations

from typing import Any

from enrollment.domain.actor import Actor
from enrollment.domain.errors import StateConflict
from enrollment.domain.group import ProjectGroup
from enrollment.domain.project import Project, ProjectStatus, group_id_for
from enrollment.service_layer.container import Services, retrying, scoped
from megp_common.errors import Conflict
from megp_common.mongo import Shard


async def propose(
    services: Services, actor: Actor, project_id: str, details: dict[str, Any]
) -> tuple[Project, bool]:
    """Record a proposal; a retry with the same id returns the first one."""
    actor.check_state(details["state"])
    project = Project.propose(project_id, proposed_by=actor.subject, now=services.now(), **details)
    try:
        await services.projects.add(project)
    except Conflict:
        shard = Shard(project.state, project.group_id)
        return await services.projects.get(project_id, shard), False
    return project, True


async def form_group(
    services: Services, actor: Actor, project_id: str, name: str | None
) -> ProjectGroup:
    """Open the project's group (one per project); members then sign their letters."""
    project = await services.projects.get(project_id, scoped(actor, group_id_for(project_id)))
    actor.check_state(project.state)
    group = ProjectGroup.open(project, name or project.name, services.terms, services.now())
    try:
        await services.groups.add(group)
    except Conflict:
        raise StateConflict(
            f"project {project_id} already formed its group {group.id}", group_id=group.id
        ) from None
    await mark_formed(services, project_id, Shard(project.state, project.group_id))
    return group


async def mark_formed(services: Services, project_id: str, shard: Shard) -> None:
    async def attempt() -> None:
        project = await services.projects.get(project_id, shard)
        if project.status is not ProjectStatus.GROUP_FORMED:
            project.group_formed()
            await services.projects.save(project)

    await retrying(attempt)

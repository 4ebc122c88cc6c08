from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from enrollment.domain.project import ProjectStatus, group_id_for
from enrollment.entrypoints.api.deps import AnyActor, ProposerActor, ServicesDep, StaffActor
from enrollment.entrypoints.api.responses import READ, WRITE, idempotent, respond
from enrollment.entrypoints.api.schemas.groups import GroupPublic
from enrollment.entrypoints.api.schemas.projects import GroupCreate, ProjectCreate, ProjectPublic
from enrollment.service_layer import projects, queries
from megp_common.mongo import Shard
from megp_common.web import DEFAULT_PAGE_SIZE, CursorQuery, IdempotencyKey, LimitQuery, Page

router = APIRouter(tags=["projects"])

StateQuery = Query(default=None, pattern=r"^\d{2}$")


@router.post(
    "/projects",
    status_code=201,
    response_model=ProjectPublic,
    responses=WRITE,
    summary="Propose a project with its six activation criteria [¶42-¶48]",
)
async def propose(
    body: ProjectCreate,
    services: ServicesDep,
    actor: ProposerActor,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    async def operation(project_id: str) -> tuple[int, ProjectPublic]:
        project, created = await projects.propose(services, actor, project_id, body.details())
        return (201 if created else 200), ProjectPublic.of(project)

    return await idempotent(
        services,
        actor,
        "propose",
        idempotency_key,
        body,
        operation,
        location=lambda b: f"/v1/projects/{b['id']}",
    )


@router.get(
    "/projects/ranking",
    response_model=Page[ProjectPublic],
    responses=READ,
    summary="Proposals by priority score, highest first",
)
async def ranking(
    services: ServicesDep,
    actor: AnyActor,
    state_code: str | None = StateQuery,
    status: ProjectStatus | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[ProjectPublic]:
    items, next_cursor = await queries.ranking(
        services,
        actor,
        state=state_code,
        status=status.value if status else None,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=[ProjectPublic.of(p) for p in items], next_cursor=next_cursor)


@router.get(
    "/projects",
    response_model=Page[ProjectPublic],
    responses=READ,
    summary="List projects in order of proposal",
)
async def list_projects(
    services: ServicesDep,
    actor: AnyActor,
    state_code: str | None = StateQuery,
    status: ProjectStatus | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[ProjectPublic]:
    items, next_cursor = await queries.projects(
        services,
        actor,
        state=state_code,
        status=status.value if status else None,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=[ProjectPublic.of(p) for p in items], next_cursor=next_cursor)


@router.get("/projects/{project_id}", response_model=ProjectPublic, responses=READ)
async def get_project(project_id: str, services: ServicesDep, actor: AnyActor) -> JSONResponse:
    shard = Shard.in_scope(actor.states, group_id_for(project_id))
    project = await services.projects.get(project_id, shard)
    actor.check_state(project.state)
    return respond(ProjectPublic.of(project))


@router.post(
    "/projects/{project_id}/group",
    status_code=201,
    response_model=GroupPublic,
    responses=WRITE,
    summary="Form the project's group (one per project)",
)
async def form_group(
    project_id: str,
    services: ServicesDep,
    actor: StaffActor,
    idempotency_key: IdempotencyKey,
    body: GroupCreate | None = None,
) -> JSONResponse:
    async def operation(_: str) -> tuple[int, GroupPublic]:
        name = body.name if body else None
        return 201, GroupPublic.of(await projects.form_group(services, actor, project_id, name))

    return await idempotent(
        services,
        actor,
        f"group:{project_id}",
        idempotency_key,
        body,
        operation,
        location=lambda created: f"/v1/groups/{created['id']}",
    )

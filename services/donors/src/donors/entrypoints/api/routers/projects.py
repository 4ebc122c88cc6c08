"""A project group as donors see it: public data only [¶53]."""

from __future__ import annotations

from fastapi import APIRouter

from donors.entrypoints.api.deps import GroupId, Reader, ServicesDep
from donors.entrypoints.api.errors import READ
from donors.entrypoints.api.schemas.associations import ProjectPublic
from donors.service_layer import queries
from megp_common.auth import DonorAccess, open_to_donors

router = APIRouter(prefix="/projects", tags=["projects"])


@router.get(
    "/{group_id}",
    response_model=ProjectPublic,
    responses=READ,
    summary="A group of the caller's community of origin: name, activity, ODF, municipality, "
    "participation by programme and aggregate outcomes",
    openapi_extra=open_to_donors(DonorAccess.COMMUNITY),
)
async def get_project(group_id: GroupId, services: ServicesDep, who: Reader) -> ProjectPublic:
    return ProjectPublic.of(await queries.project(services, who, group_id))

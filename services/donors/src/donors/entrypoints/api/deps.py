"""Dependencies of the donors routes: the container, who may call each route, the keyed
answer, the path parameters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from donors.service_layer.container import Services
from megp_common.auth import Principal, Role
from megp_common.auth.fastapi import require_roles
from megp_common.web import JsonAnswer, Once, answer_keyed, app_state

_services = app_state("container", Services)


ServicesDep = Annotated[Services, Depends(_services)]
Supervisor = Annotated[Principal, Depends(require_roles(Role.PROGRAMME_SUPERVISOR))]
Portal = Annotated[Principal, Depends(require_roles(Role.DONOR_PORTAL))]
Reader = Annotated[Principal, Depends(require_roles(Role.DONOR_PORTAL, Role.PROGRAMME_SUPERVISOR))]

ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
AssociationId = Annotated[str, Path(pattern=ID, description="The association's id")]
DonationId = Annotated[str, Path(pattern=ID, description="The platform's id of a donation")]
GroupId = Annotated[str, Path(pattern=ID, description="The project group's id")]
ProgrammeId = Annotated[str, Path(pattern=ID, description="The matching programme's id")]
PledgeId = Annotated[str, Path(pattern=ID, description="The co-funder's pledge id")]
Period = Annotated[
    str, Path(pattern=r"^[0-9]{4}(-(0[1-9]|1[0-2]))?$", description="YYYY or YYYY-MM")
]


async def keyed(
    services: Services,
    who: Principal,
    scope: str,
    key: str,
    payload: Any,
    operation: Callable[[str], Awaitable[tuple[int, BaseModel]]],
) -> JSONResponse:
    """Run `operation(new_id)` once per (route, caller, Idempotency-Key); a retry replays the
    stored answer, another caller's same key never sees it."""
    once = Once(f"donors.{scope}", who.subject, key)
    status, body = await answer_keyed(services.idempotency, once, payload, operation)
    return JsonAnswer(body, status_code=status)

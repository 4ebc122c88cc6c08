"""Dependencies of ip-counsel's routes: the use cases' container and the keyed answer.
Who may call is decided in the use cases (the circle of ¶3 depends on the record), after the
state scope: a route declares only that the caller is signed in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ip_counsel.service_layer.container import Services
from megp_common.auth import Principal
from megp_common.web import JsonAnswer, Once, answer_keyed, app_state

_services = app_state("container", Services)


ServicesDep = Annotated[Services, Depends(_services)]
DisclosureId = Annotated[str, Path(min_length=1, max_length=100)]
ReviewId = Annotated[str, Path(min_length=1, max_length=100)]
CounsellorId = Annotated[str, Path(min_length=1, max_length=100)]


async def keyed(
    services: Services,
    who: Principal,
    scope: str,
    key: str,
    payload: Any,
    operation: Callable[[str], Awaitable[tuple[int, BaseModel]]],
) -> JSONResponse:
    """Run `operation(new_id)` once per (route, caller, Idempotency-Key); a retry replays the
    stored answer (metadata only: no answer of a POST carries content)."""
    once = Once(f"ip-counsel.{scope}", who.subject, key)
    status, body = await answer_keyed(services.idempotency, once, payload, operation)
    return JsonAnswer(body, status_code=status)

"""Dependencies of the webhooks routes: the container, the subscriber's token (a partner
bank's, a donor portal's), the keyed answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from megp_common.auth import Principal, Role
from megp_common.auth.fastapi import require_roles
from megp_common.web import JsonAnswer, Once, answer_keyed, app_state
from webhooks.service_layer.container import Services

_services = app_state("container", Services)


ServicesDep = Annotated[Services, Depends(_services)]
#: a subscription's owner: a partner bank, or a donor portal for its association
Bank = Annotated[Principal, Depends(require_roles(Role.PARTNER_BANK, Role.DONOR_PORTAL))]
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.PARTNER_BANK, Role.DONOR_PORTAL, Role.PROGRAMME_SUPERVISOR)),
]
SubscriptionId = Annotated[str, Path(min_length=1, max_length=100)]
DeliveryId = Annotated[str, Path(min_length=1, max_length=250)]


async def keyed(
    services: Services,
    who: Principal,
    scope: str,
    key: str,
    payload: Any,
    operation: Callable[[str], Awaitable[tuple[int, BaseModel]]],
) -> JSONResponse:
    once = Once(f"webhooks.{scope}", who.subject, key)
    status, body = await answer_keyed(services.idempotency, once, payload, operation)
    return JsonAnswer(body, status_code=status)

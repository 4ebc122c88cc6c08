"""FastAPI dependencies: the current principal, role checks and state-scope checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from megp_common.auth.banks import admit_bank
from megp_common.auth.donors import admit_donor_portal
from megp_common.auth.principal import Principal, Role, check_state
from megp_common.auth.tokens import TokenVerifier
from megp_common.errors import Forbidden, Unauthorized

# Declares the bearer scheme in OpenAPI; the header itself is parsed below so that every failure
# becomes a 401 problem document.
_bearer_scheme = HTTPBearer(auto_error=False, description="JWT from the MEGP identity provider")


#: the methods that change nothing; any other is a write a donor portal may only do where open
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _verifier(request: Request) -> TokenVerifier:
    verifier = getattr(request.app.state, "token_verifier", None)
    if not isinstance(verifier, TokenVerifier):
        raise RuntimeError("app.state.token_verifier is not configured with a TokenVerifier")
    return verifier


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
) -> Principal:
    """The verified caller; every failure is a 401 problem with ``WWW-Authenticate: Bearer``.
    A partner bank's token passes only the routes declared open to banks (`auth.banks`), a
    donor portal's only those declared open to portals (`auth.donors`)."""
    if credentials is None:
        if request.headers.get("Authorization"):
            raise Unauthorized("the Authorization header must be 'Bearer <token>'")
        raise Unauthorized("missing Authorization header with a bearer token")
    verifier = _verifier(request)
    if verifier.uses_network:
        principal = await run_in_threadpool(verifier.verify, credentials.credentials)
    else:
        principal = verifier.verify(credentials.credentials)
    request.state.principal = principal
    declared = getattr(request.scope.get("route"), "openapi_extra", None)
    admit_bank(principal, declared)
    admit_donor_portal(principal, declared, write=request.method not in _READS)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that returns the principal if it holds at least one of ``roles``."""
    if not roles:
        raise ValueError("require_roles needs at least one role")
    needed = [role.value for role in roles]

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.has_role(*roles):
            raise Forbidden(
                f"this action requires one of the roles: {', '.join(needed)}",
                extensions={"required_roles": needed},
            )
        return principal

    return dependency


def require_state(principal: Principal, state_code: str | None) -> None:
    """Raise 403 unless ``principal`` may act in the state ``state_code`` (`check_state`)."""
    check_state(principal, state_code)

"""The session's access token kept valid: renewed with the refresh token shortly before it
expires (a session from the identity provider), the renewed session written back to the
browser's cookie, and the person read from the token as the services will see them."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from console.adapters.oidc import SignInRefused
from console.adapters.sessions import COOKIE, Session
from console.adapters.tokens import person_of
from console.domain.rights import Person
from console.service_layer.container import Services
from megp_common.refusals import Unauthorized

_log = structlog.get_logger(__name__)


def set_session_cookie(answer: Response, services: Services, session: Session) -> None:
    answer.set_cookie(
        COOKIE,
        services.sessions.dump(session),
        max_age=services.settings.session_max_age_s,
        httponly=True,
        samesite="lax",
        secure=services.settings.production,
    )


async def verified_person(services: Services, token: str) -> Person:
    """The person a token names, as the services will see them (JWKS fetched off the loop)."""
    if services.verifier.uses_network:
        return await run_in_threadpool(person_of, services.verifier, token)
    return person_of(services.verifier, token)


async def renewed(services: Services, session: Session, request: Request) -> Session:
    """The session with an access token that will last the request: renewed with the refresh
    token when it expires within the margin. A refusal ends the session (sign in again)."""
    client = services.oidc
    if client is None or session.refresh_token is None or session.expires_at is None:
        return session
    if session.expires_at - time.time() > services.settings.oidc_refresh_margin_s:
        return session
    try:
        tokens = await client.refresh(session.refresh_token)
    except SignInRefused as refused:
        _log.info("session not renewed", reason=refused.reason)
        request.state.session_ended = True
        raise Unauthorized("the session has ended; sign in again") from None
    fresh = Session(tokens.access_token, tokens.refresh_token, tokens.expires_at)
    request.state.renewed_session = fresh
    return fresh


def install_session_renewal(app: FastAPI) -> None:
    """A session renewed (or ended) while answering is written to the browser's cookie."""

    @app.middleware("http")
    async def renew(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        answer = await call_next(request)
        fresh = getattr(request.state, "renewed_session", None)
        if isinstance(fresh, Session) and not getattr(request.state, "signed_out", False):
            set_session_cookie(answer, request.app.state.services, fresh)
        elif getattr(request.state, "session_ended", False):
            answer.delete_cookie(COOKIE)
        return answer

"""Production sign-in: the browser goes to the identity provider and comes back with a code
(`adapters/oidc.py`); the session then holds the provider's access token, which the services
verify against the provider's JWKS, and its refresh token, used before the access token
expires. Sign-out ends the provider's session too where it offers an end-session endpoint."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from console.adapters.oidc import OidcClient, Pending, SignInRefused
from console.adapters.sessions import ID_TOKEN_COOKIE, ID_TOKEN_PATH, Session
from console.domain.problems import N_
from console.entrypoints.web.deps import base_url, services_of
from console.entrypoints.web.renewal import set_session_cookie, verified_person
from console.entrypoints.web.shell import sign_in_page
from console.service_layer.container import Services
from megp_common.refusals import NotFound, Unauthorized

router = APIRouter()
_log = structlog.get_logger(__name__)

PENDING_COOKIE = "megp_console_sign_in"
PENDING_MAX_AGE_S = 600  # a person has ten minutes at the provider's login page


def _pending_signer(services: Services) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(services.sessions.secret, salt="megp-console-oidc-pending")


def _client(services: Services) -> OidcClient:
    if services.oidc is None:
        raise NotFound("sign-in through an identity provider is not configured")
    return services.oidc


@router.get("/sign-in/oidc")
async def begin_sign_in(request: Request) -> Response:
    services = services_of(request)
    client = _client(services)
    try:
        url, pending = await client.begin(f"{base_url(request)}/sign-in/callback")
    except SignInRefused as refused:
        _log.warning("identity provider unavailable", reason=refused.reason)
        return sign_in_page(
            request, 503, failure=N_("The identity provider cannot be reached. Try again later.")
        )
    answer = RedirectResponse(url, status_code=303)
    answer.set_cookie(
        PENDING_COOKIE,
        _pending_signer(services).dumps(pending.dump()),
        max_age=PENDING_MAX_AGE_S,
        path="/sign-in",
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level GET: the cookie comes along
        secure=services.settings.production,
    )
    return answer


@router.get("/sign-in/callback")
async def finish_sign_in(request: Request) -> Response:
    services = services_of(request)
    client = _client(services)
    pending = _pending_of(services, request.cookies.get(PENDING_COOKIE))
    if request.query_params.get("error"):
        _log.info("sign-in not given", error=request.query_params.get("error"))
        return _refused(request, 401, N_("The identity provider did not sign you in."))
    if pending is None:
        return _refused(request, 400, N_("This sign-in was not started here, or took too long."))
    try:
        tokens = await client.finish(pending, str(request.url))
    except SignInRefused as refused:
        _log.warning("sign-in refused", reason=refused.reason)
        return _refused(request, 401, N_("The identity provider's answer could not sign you in."))
    try:
        await verified_person(services, tokens.access_token)
    except Unauthorized as exc:
        # signed by the provider, but not a token the services accept (no programme role...)
        _log.warning("access token refused", reason=exc.detail)
        return _refused(
            request, 403, N_("Your account at the identity provider gives you no place here.")
        )
    answer = RedirectResponse(pending.next_path, status_code=303)
    set_session_cookie(
        answer, services, Session(tokens.access_token, tokens.refresh_token, tokens.expires_at)
    )
    if tokens.id_token:
        answer.set_cookie(
            ID_TOKEN_COOKIE,
            services.sessions.seal(tokens.id_token),
            max_age=services.settings.session_max_age_s,
            path=ID_TOKEN_PATH,
            httponly=True,
            samesite="lax",
            secure=services.settings.production,
        )
    answer.delete_cookie(PENDING_COOKIE, path="/sign-in")
    return answer


def _pending_of(services: Services, cookie: str | None) -> Pending | None:
    if not cookie:
        return None
    try:
        data = _pending_signer(services).loads(cookie, max_age=PENDING_MAX_AGE_S)
    except BadSignature:
        return None
    return Pending.load(data)


def _refused(request: Request, status: int, message: str) -> Response:
    answer = sign_in_page(request, status, failure=message)
    answer.delete_cookie(PENDING_COOKIE, path="/sign-in")
    return answer

"""The console's production sign-in, in Debian's Chromium, through a real OpenID Connect
provider (deploy/local/idp.sh: NAV's mock-oauth2-server, started by the test harness).

A second console runs in production mode beside the platform's (which stays in development):
people sign in on the provider's login page, the console shows them their screens, their
pages are the services' answers to the provider's token (which the services verify against
the provider's JWKS), the token is renewed with the refresh token before it expires, and
signing out ends both sessions. A tampered, expired or wrong-audience token is refused by the
services and by the console; the development sign-in does not exist in production."""

from __future__ import annotations

import json
import secrets
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest
from playwright.sync_api import BrowserContext, Page

from console.adapters.sessions import COOKIE, ID_TOKEN_COOKIE, Session, SessionCodec
from megp_common.launcher import Platform, ServiceProcess, log_dir
from megp_common.settings import REPO_ROOT
from megp_common.testing.enrollment_driver import Driver
from megp_common.testing.identity_provider import IdentityProvider

from .test_console import accessible

pytestmark = pytest.mark.e2e

CLIENT_ID = "megp-console"
#: the provider's tokens live an hour (idp.sh); the production console renews them when less
#: than this is left, so a token older than a few seconds is renewed at the next page
REFRESH_MARGIN_S = 3600 - 4


class ProductionConsole(ServiceProcess):
    @property
    def log_path(self) -> Path:
        return log_dir() / "console-production.log"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def session_secret() -> str:
    return secrets.token_urlsafe(48)


@pytest.fixture(scope="module")
def production_console(
    platform: Platform, identity_provider: IdentityProvider, session_secret: str
) -> Iterator[str]:
    """The console as it runs in production: the provider's client, no development sign-in,
    trusting only the provider's tokens; the services are the platform's."""
    folder = REPO_ROOT / ".local" / "console-production"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "session-secret").write_text(session_secret)
    (folder / "client-secret").write_text("a-client-secret-of-the-console")
    urls = {name: p.url for name, p in platform.processes.items() if name != "console"}
    process = ProductionConsole(
        "console",
        _free_port(),
        {
            "ENVIRONMENT": "production",
            "SESSION_SECRET_FILE": str(folder / "session-secret"),
            "OIDC_ISSUER_URL": identity_provider.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET_FILE": str(folder / "client-secret"),
            "OIDC_REFRESH_MARGIN_S": str(REFRESH_MARGIN_S),
            "JWT_ISSUER": identity_provider.issuer,
            "JWT_JWKS_URL": identity_provider.jwks_url,
            "JWT_ACCEPT_DEVELOPMENT_TOKENS": "false",
            "SERVICE_URLS": json.dumps(urls),
        },
    )
    process.start()
    try:
        process.wait_ready()
        # `localhost`, not 127.0.0.1: the browser keeps the production cookies (Secure) there
        yield f"http://localhost:{process.port}"
    finally:
        process.stop()


@pytest.fixture(scope="module")
def world(platform: Platform, tokens: Any) -> dict[str, str]:
    """A group in a state of its own, formed with development tokens (the services trust both)."""
    state = f"{secrets.randbelow(32) + 1:02d}"
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=state)
    group = drive.form_group()
    other = "01" if state != "01" else "02"
    return {"state": state, "other_state": other, "group": group["id"], "name": group["name"]}


def sign_in_at_provider(page: Page, console: str, username: str, claims: dict[str, Any]) -> None:
    """What a person does: the console's button, the provider's login page, back home."""
    page.goto(f"{console}/sign-in")
    assert page.locator("#role").count() == 0  # no development sign-in in production
    page.click("#sign-in-oidc")
    page.wait_for_url("**/megp/authorize**")
    page.fill("input[name=username]", username)
    page.fill("textarea[name=claims]", json.dumps(claims))
    page.click("input[type=submit]")
    page.wait_for_url(f"{console}/")


def session_of(ctx: BrowserContext, secret: str) -> Session:
    cookie = next(c for c in ctx.cookies() if c["name"] == COOKIE)
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    session = SessionCodec(secret, 3600).load(cookie["value"])
    assert session is not None
    return session


def claims_of(token: str) -> dict[str, Any]:
    found: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return found


def test_odf_staff_sign_in_through_the_provider_and_the_services_answer_its_token(
    context: BrowserContext,
    production_console: str,
    identity_provider: IdentityProvider,
    platform: Platform,
    world: dict[str, str],
    session_secret: str,
) -> None:
    console, gid = production_console, world["group"]
    page = context.new_page()
    sign_in_at_provider(
        page,
        console,
        "ana.odf",
        {"roles": ["odf_staff"], "states": [world["state"]], "organization": "ODF Alfareras"},
    )
    # her screens: ODF staff enter period sheets and read groups; no dashboard, no decisions
    menu = page.locator("nav a").all_inner_texts()
    assert "Grupos" in menu and "Tablero" not in menu and "Aprobaciones" not in menu, menu
    assert page.get_by_role("link", name="Llenar la hoja del periodo de un grupo").count() == 1
    accessible(page, "oidc-home")

    # the session holds the provider's access token, for the services (audience megp)
    session = session_of(context, session_secret)
    token = claims_of(session.token)
    assert token["iss"] == identity_provider.issuer and token["sub"] == "ana.odf"
    assert "megp" in token["aud"] and session.refresh_token
    assert token["roles"] == ["odf_staff"] and token["states"] == [world["state"]]

    # the group's page is enrollment's answer to her token
    page.goto(f"{console}/groups/{gid}")
    assert page.locator("h1").inner_text() == world["name"]
    enrollment = platform.processes["enrollment"].url
    bearer = {"Authorization": f"Bearer {session.token}"}
    answer = httpx.get(f"{enrollment}/v1/groups/{gid}", headers=bearer)
    assert answer.status_code == 200 and answer.json()["id"] == gid

    # renewed with the refresh token before it expires: a new token, the same person
    time.sleep(5)
    page.goto(f"{console}/groups/{gid}")
    assert page.locator("h1").inner_text() == world["name"]
    renewed = session_of(context, session_secret)
    assert renewed.token != session.token
    assert claims_of(renewed.token)["jti"] != token["jti"]
    assert claims_of(renewed.token)["sub"] == "ana.odf"
    assert httpx.get(f"{enrollment}/v1/groups/{gid}", headers=bearer).status_code == 200

    # signing out ends the console's session and the provider's, and lands on sign-in
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(f"{console}/sign-in")
    ended = [u for u in seen if "/megp/endsession" in u]
    assert ended, seen
    asked = parse_qs(urlparse(ended[0]).query)
    assert asked["client_id"] == [CLIENT_ID]
    assert asked["post_logout_redirect_uri"] == [f"{console}/sign-in"]
    # the hint is the ID token of this sign-in, kept encrypted in a cookie for /sign-out only
    assert claims_of(asked["id_token_hint"][0])["sub"] == "ana.odf"
    audience = claims_of(asked["id_token_hint"][0])["aud"]
    assert CLIENT_ID in ([audience] if isinstance(audience, str) else audience)
    left = {c["name"] for c in context.cookies()}
    assert COOKIE not in left and ID_TOKEN_COOKIE not in left
    page.goto(f"{console}/groups/{gid}")
    page.wait_for_url(f"{console}/sign-in")


def test_a_person_sees_what_their_provider_roles_and_states_allow(
    context: BrowserContext,
    production_console: str,
    world: dict[str, str],
) -> None:
    console = production_console
    page = context.new_page()
    sign_in_at_provider(
        page, console, "sofia.supervisora", {"roles": ["programme_supervisor"], "states": ["*"]}
    )
    assert page.get_by_role("link", name="Tablero del programa").count() == 1
    context.clear_cookies()

    # ODF staff of another state: the group is outside her scope, and the page says so (the
    # service's refusal, in plain words with its detail)
    sign_in_at_provider(
        page, console, "olga.odf", {"roles": ["odf_staff"], "states": [world["other_state"]]}
    )
    page.goto(f"{console}/groups/{world['group']}")
    assert page.locator("h1").inner_text() == "Grupo"
    refusal = page.locator("main .problem").first.inner_text()
    assert f"scope does not include state {world['state']}" in refusal, refusal
    assert page.locator("table").count() == 0  # nothing of the group is shown

    # an account the provider knows but that carries no programme role gets no session
    context.clear_cookies()
    page.goto(f"{console}/sign-in")
    page.click("#sign-in-oidc")
    page.fill("input[name=username]", "visitante")
    page.fill("textarea[name=claims]", json.dumps({"states": ["09"]}))
    page.click("input[type=submit]")
    page.wait_for_url(f"{console}/sign-in/callback**")
    assert page.get_by_text("Su cuenta en el proveedor de identidad no le da un lugar aquí.")
    assert COOKIE not in {c["name"] for c in context.cookies()}


def _provider_token(provider: IdentityProvider, client_id: str, scope: str) -> str:
    answer = httpx.post(
        provider.token_url,
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(client_id, "any-secret"),
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def test_a_tampered_expired_or_wrong_audience_token_is_refused(
    production_console: str,
    identity_provider: IdentityProvider,
    platform: Platform,
    session_secret: str,
) -> None:
    enrollment = platform.processes["enrollment"].url
    good = _provider_token(identity_provider, CLIENT_ID, "megp-supervisor")
    head, body, signature = good.split(".")
    flipped = ("B" if signature[10] == "A" else "A").join((signature[:10], signature[11:]))
    refused = {
        "token signature is invalid": f"{head}.{body}.{flipped}",
        "token has expired": _provider_token(identity_provider, CLIENT_ID, "megp-expired"),
        "token audience is not accepted": _provider_token(identity_provider, "other-app", "x"),
    }
    assert claims_of(refused["token has expired"])["exp"] < time.time() - 3600
    assert claims_of(refused["token audience is not accepted"])["aud"] in (
        "other-app",
        ["other-app"],
    )
    accepted = httpx.get(f"{enrollment}/v1/groups", headers={"Authorization": f"Bearer {good}"})
    assert accepted.status_code == 200, accepted.text
    codec = SessionCodec(session_secret, 3600)
    for detail, token in refused.items():
        answer = httpx.get(f"{enrollment}/v1/groups", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, (detail, answer.text)
        assert answer.json()["detail"] == detail
        # the console, handed the same token in a session, sends the person to sign in
        cookie = codec.dump(Session(token))
        page = httpx.get(f"{production_console}/", cookies={COOKIE: cookie})
        assert page.status_code == 303 and page.headers["location"] == "/sign-in", detail


def test_production_has_no_development_sign_in_and_refuses_a_forged_answer(
    production_console: str,
) -> None:
    console = production_console
    form = httpx.get(f"{console}/sign-in")
    assert form.status_code == 200
    assert 'id="sign-in-oidc"' in form.text and 'name="role"' not in form.text
    minted = httpx.post(f"{console}/sign-in", data={"role": "programme_supervisor", "state": "*"})
    assert minted.status_code == 403 and COOKIE not in minted.cookies
    # a callback this browser never started, or one whose state is not the one it was given
    assert httpx.get(f"{console}/sign-in/callback?code=x&state=y").status_code == 400
    started = httpx.get(f"{console}/sign-in/oidc")
    assert started.status_code == 303
    asked = parse_qs(urlparse(started.headers["location"]).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["client_id"] == [CLIENT_ID]
    assert asked["state"] and asked["nonce"] and asked["code_challenge"]
    pending = {"megp_console_sign_in": started.cookies["megp_console_sign_in"]}
    forged = httpx.get(
        f"{console}/sign-in/callback?code=x&state=not-{asked['state'][0]}", cookies=pending
    )
    assert forged.status_code == 401 and COOKIE not in forged.cookies

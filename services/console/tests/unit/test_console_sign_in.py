"""The production sign-in's pieces that need no provider: the page offers only the provider,
the development sign-in is refused, a callback never started here signs nobody in, and the
session and pending sign-in survive their cookies (the browser test drives the real flow
against a real provider: tests/e2e/test_console_oidc.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from console.adapters.oidc import Pending
from console.adapters.sessions import Session, SessionCodec
from console.bootstrap import create_app
from console.config import Settings


@pytest.fixture
def production(tmp_path: Path) -> Iterator[TestClient]:
    (tmp_path / "session").write_text("a-session-secret-of-the-console-in-production")
    settings = Settings(
        environment="production",
        session_secret_file=tmp_path / "session",
        oidc_issuer_url="http://127.0.0.1:9/megp",  # nothing listens: no page here needs it
        oidc_client_id="megp-console",
        service_urls={"enrollment": "http://127.0.0.1:9"},
    )
    with TestClient(create_app(settings), base_url="https://console.test") as c:
        yield c


def test_production_offers_only_the_identity_provider(production: TestClient) -> None:
    page = production.get("/sign-in").text
    assert 'href="/sign-in/oidc"' in page and 'name="role"' not in page
    assert "Entrar con el proveedor de identidad del programa" in page
    minted = production.post("/sign-in", data={"role": "odf_staff", "state": "09"})
    assert minted.status_code == 403 and "megp_console" not in minted.cookies


def test_a_provider_that_cannot_be_reached_is_said_on_the_sign_in_page(
    production: TestClient,
) -> None:
    answer = production.get("/sign-in/oidc", follow_redirects=False)
    assert answer.status_code == 503
    assert "No se puede contactar al proveedor de identidad" in answer.text


def test_a_callback_never_started_here_signs_nobody_in(production: TestClient) -> None:
    answer = production.get("/sign-in/callback?code=c&state=s", follow_redirects=False)
    assert answer.status_code == 400 and "megp_console" not in answer.cookies
    assert "Esta entrada no se inició aquí" in answer.text
    denied = production.get("/sign-in/callback?error=access_denied&state=s")
    assert denied.status_code == 401
    assert "El proveedor de identidad no inició su sesión." in denied.text


def test_the_session_keeps_its_refresh_token_and_expiry() -> None:
    codec = SessionCodec("s" * 48, 3600)
    session = Session("access", "refresh", 1_900_000_000.5)
    assert codec.load(codec.dump(session)) == session
    assert codec.load(codec.dump(Session("dev-token"))) == Session("dev-token")
    assert SessionCodec("t" * 48, 3600).load(codec.dump(session)) is None


def test_a_pending_sign_in_is_all_its_fields_or_nothing() -> None:
    pending = Pending("st", "no", "ve", "https://console.test/sign-in/callback", "/")
    assert Pending.load(pending.dump()) == pending
    assert Pending.load({**pending.dump(), "nonce": 7}) is None
    assert Pending.load("state") is None

"""The session cookie is encrypted, not only signed: its bytes hold none of the tokens, and a
cookie that was changed, made with another secret, of the old signed-only format, or older than
the session's age is no session, so the person signs in again (never a 500)."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer

from console.adapters.sessions import COOKIE, Session, SessionCodec, cookie_key
from console.bootstrap import create_app
from console.config import Settings
from console.service_layer.container import Services

SECRET = "a-session-secret-of-the-console-" + "x" * 16
ACCESS = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvZGYtc3RhZmYifQ.c2lnbmF0dXJl-access"
REFRESH = "refresh-token-only-the-console-may-read-0b6f1c"


def test_the_cookie_holds_none_of_the_tokens() -> None:
    codec = SessionCodec(SECRET, 3600)
    cookie = codec.dump(Session(ACCESS, REFRESH, 1_900_000_000.0))
    for readable in (cookie, *_decodings(cookie)):
        assert ACCESS not in readable and REFRESH not in readable
        assert ACCESS[20:36] not in readable and REFRESH[8:24] not in readable  # nor a piece
    assert codec.load(cookie) == Session(ACCESS, REFRESH, 1_900_000_000.0)


def test_the_cookie_key_is_derived_apart_from_the_secret() -> None:
    key = cookie_key(SECRET)
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert SECRET.encode() not in key and key != cookie_key(SECRET + "y")


@pytest.mark.parametrize("position", [0, 20, 60, -5, -1])
def test_a_tampered_cookie_is_no_session(position: int) -> None:
    codec = SessionCodec(SECRET, 3600)
    cookie = codec.dump(Session(ACCESS, REFRESH, 1_900_000_000.0))
    changed = "B" if cookie[position] != "B" else "C"
    tampered = cookie[:position] + changed + cookie[position:][1:]
    assert tampered != cookie and codec.load(tampered) is None


@pytest.mark.parametrize(
    "cookie",
    ["forged", "", "é-not-ascii", "gAAAAA", "=" * 40, "gAAAAAB" + "A" * 200],
)
def test_a_cookie_that_is_not_one_is_no_session(cookie: str) -> None:
    assert SessionCodec(SECRET, 3600).load(cookie) is None


def test_a_cookie_of_another_secret_or_the_old_signed_format_is_no_session() -> None:
    session = Session(ACCESS, REFRESH, 1_900_000_000.0)
    assert SessionCodec(SECRET, 3600).load(SessionCodec("other" * 10, 3600).dump(session)) is None
    old = URLSafeTimedSerializer(SECRET, salt="megp-console-session").dumps({"token": ACCESS})
    assert SessionCodec(SECRET, 3600).load(old) is None


def test_an_expired_cookie_is_no_session() -> None:
    codec = SessionCodec(SECRET, 3600)
    session = Session(ACCESS)
    assert codec.load(codec.dump_at(session, int(time.time()) - 3500)) == session
    assert codec.load(codec.dump_at(session, int(time.time()) - 3700)) is None


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        session_secret_file=tmp_path / "session", service_urls={"enrollment": "http://127.0.0.1:9"}
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_the_console_answers_a_bad_cookie_with_the_sign_in_page(client: TestClient) -> None:
    answer = client.post(
        "/sign-in", data={"role": "odf_staff", "state": "09"}, follow_redirects=False
    )
    assert answer.status_code == 303
    cookie = client.cookies[COOKIE]
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    token = services.sessions.load(cookie)
    assert token is not None and token.token not in cookie
    assert client.get("/", follow_redirects=False).status_code == 200
    old = URLSafeTimedSerializer(services.sessions.secret, salt="megp-console-session")
    expired = services.sessions.dump_at(Session(token.token), int(time.time()) - 10**6)
    for bad in (cookie[:-4] + "AAAA", old.dumps({"token": token.token}), expired):
        client.cookies.set(COOKIE, bad)
        page = client.get("/", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/sign-in", bad


def _decodings(cookie: str) -> list[str]:
    """The cookie read as base64 (what a curious holder would try first)."""
    raw = base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4))
    return [raw.decode("latin-1")]


def test_the_id_token_kept_for_sign_out_is_sealed_the_same_way() -> None:
    codec = SessionCodec(SECRET, 3600)
    sealed = codec.seal(ACCESS)
    assert ACCESS not in sealed and ACCESS[20:36] not in sealed
    assert codec.unseal(sealed) == ACCESS
    assert codec.unseal(sealed[:-3] + "AAA") is None
    assert codec.unseal(SessionCodec("other" * 10, 3600).seal(ACCESS)) is None
    assert codec.unseal("") is None and codec.unseal("é") is None

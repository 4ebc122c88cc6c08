from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from megp_common.auth import AuthConfig, Principal, Role, TokenVerifier, mint_token
from megp_common.auth.fastapi import CurrentPrincipal, require_roles, require_state
from megp_common.errors import PROBLEM_MEDIA_TYPE, install_problem_handlers

CONFIG = AuthConfig(secret="d" * 48)
Supervisor = Annotated[Principal, Depends(require_roles(Role.PROGRAMME_SUPERVISOR, Role.SERVICE))]


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = TokenVerifier(CONFIG)

    @app.get("/me")
    def me(principal: CurrentPrincipal) -> dict[str, object]:
        return {"sub": principal.subject, "roles": sorted(principal.roles)}

    @app.get("/states/{code}/report")
    def report(code: str, principal: Supervisor) -> dict[str, str]:
        require_state(principal, code)
        return {"state": code}

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(_app())


def _auth(*roles: Role, states: tuple[str, ...] = ("09",)) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(CONFIG, 'alice', roles, states)}"}


def test_valid_token_yields_principal(client: TestClient) -> None:
    response = client.get("/me", headers=_auth(Role.ODF_STAFF, Role.PARTICIPANT))
    assert response.status_code == 200
    assert response.json() == {"sub": "alice", "roles": ["odf_staff", "participant"]}


def test_missing_header_is_401_with_challenge(client: TestClient) -> None:
    response = client.get("/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "missing" in response.json()["detail"]


def test_wrong_scheme_and_bad_token_are_401(client: TestClient) -> None:
    basic = client.get("/me", headers={"Authorization": "Basic YWxpY2U6cHc="})
    assert basic.status_code == 401
    assert "Bearer" in basic.json()["detail"]
    bad = client.get("/me", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert bad.json()["detail"] == "token is malformed"


def test_require_roles_forbids_other_roles(client: TestClient) -> None:
    response = client.get("/states/09/report", headers=_auth(Role.ODF_STAFF))
    assert response.status_code == 403
    body = response.json()
    assert body["required_roles"] == ["programme_supervisor", "service"]
    assert "programme_supervisor" in body["detail"]


def test_require_state_checks_scope(client: TestClient) -> None:
    headers = _auth(Role.PROGRAMME_SUPERVISOR, states=("09", "15"))
    assert client.get("/states/15/report", headers=headers).json() == {"state": "15"}
    outside = client.get("/states/01/report", headers=headers)
    assert outside.status_code == 403
    assert outside.json()["state"] == "01"
    national = _auth(Role.SERVICE, states=("*",))
    assert client.get("/states/01/report", headers=national).status_code == 200


def test_openapi_declares_bearer_scheme() -> None:
    schemes = _app().openapi()["components"]["securitySchemes"]
    assert schemes["HTTPBearer"]["scheme"] == "bearer"


def test_require_roles_needs_a_role() -> None:
    with pytest.raises(ValueError):
        require_roles()

"""A donor portal's token passes only the routes declared open to portals, and a write not
open to them says ¶55 (`megp_common.auth.donors`)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from megp_common.auth import (
    AuthConfig,
    BankAccess,
    DonorAccess,
    Principal,
    Role,
    TokenVerifier,
    mint_token,
    open_to_banks,
    open_to_donors,
)
from megp_common.auth.banks import declared_access
from megp_common.auth.donors import (
    DONOR_PORTAL_EXTENSION,
    association_of,
    declared_donor_access,
    is_donor_portal,
)
from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.errors import install_problem_handlers

CONFIG = AuthConfig(secret="d" * 48)


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = TokenVerifier(CONFIG)

    @app.get(
        "/associations/{association_id}", openapi_extra=open_to_donors(DonorAccess.ASSOCIATION)
    )
    def association(association_id: str, who: CurrentPrincipal) -> dict[str, str]:
        return {"association": association_id, "caller": association_of(who) or ""}

    @app.post("/donations", openapi_extra=open_to_donors(DonorAccess.COMMUNITY))
    def give(who: CurrentPrincipal) -> dict[str, str]:
        return {"given": "yes"}

    @app.get(
        "/subscriptions",
        openapi_extra=open_to_banks(BankAccess.OWN) | open_to_donors(DonorAccess.ASSOCIATION),
    )
    def subscriptions(who: CurrentPrincipal) -> list[str]:
        return []

    @app.get("/participants")
    def participants(who: CurrentPrincipal) -> list[str]:
        return ["CURP"]

    @app.post("/plans")
    def change_plan(who: CurrentPrincipal) -> dict[str, str]:
        return {"changed": "yes"}

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(_app())


def _auth(*roles: Role, **claims: Any) -> dict[str, str]:
    token = mint_token(CONFIG, "caller", roles, ["09"], **claims)
    return {"Authorization": f"Bearer {token}"}


def test_the_declaration_is_in_the_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/donations"]["post"][DONOR_PORTAL_EXTENSION] == "community"
    assert declared_donor_access(paths["/donations"]["post"]) is DonorAccess.COMMUNITY
    assert DONOR_PORTAL_EXTENSION not in paths["/participants"]["get"]
    # both gates' declarations on one route, each read by its own gate
    both = paths["/subscriptions"]["get"]
    assert declared_donor_access(both) is DonorAccess.ASSOCIATION
    assert declared_access(both) is BankAccess.OWN


def test_a_portal_passes_the_routes_open_to_it(client: TestClient) -> None:
    portal = _auth(Role.DONOR_PORTAL, organization="club-1")
    r = client.get("/associations/club-1", headers=portal)
    assert r.json() == {"association": "club-1", "caller": "club-1"}
    assert client.post("/donations", headers=portal).json() == {"given": "yes"}
    assert client.get("/subscriptions", headers=portal).status_code == 200


@pytest.mark.parametrize(
    "roles",
    [
        (Role.DONOR_PORTAL,),
        (Role.DONOR_PORTAL, Role.ODF_STAFF),
        (Role.DONOR_PORTAL, Role.BOARD_REPRESENTATIVE, Role.PROGRAMME_SUPERVISOR),
    ],
)
def test_a_route_not_declared_open_refuses_any_portal_token(
    client: TestClient, roles: tuple[Role, ...]
) -> None:
    header = _auth(*roles, organization="club-1")
    read = client.get("/participants", headers=header)
    assert read.status_code == 403, read.text
    assert read.headers["content-type"].startswith("application/problem+json")
    assert read.json()["type"].endswith("/not-for-donor-portals")
    assert read.json()["association"] == "club-1" and "rule" not in read.json()
    write = client.post("/plans", headers=header)
    assert write.status_code == 403, write.text
    assert write.json()["rule"] == "¶55" and "¶55" in write.json()["detail"]
    # the same roles without the portal role pass the gate
    rest = tuple(role for role in roles if role is not Role.DONOR_PORTAL)
    if rest:
        assert client.get("/participants", headers=_auth(*rest)).status_code == 200
        assert client.post("/plans", headers=_auth(*rest)).status_code == 200


def test_a_portal_token_naming_no_association_reaches_nothing(client: TestClient) -> None:
    r = client.post("/donations", headers=_auth(Role.DONOR_PORTAL))
    assert r.status_code == 403
    assert "organization" in r.json()["detail"]
    # a write not open to portals says ¶55 first, whatever the token names
    plan = client.post("/plans", headers=_auth(Role.DONOR_PORTAL, Role.BOARD_REPRESENTATIVE))
    assert plan.status_code == 403 and plan.json()["rule"] == "¶55", plan.text
    assert "association" not in plan.json()


def test_a_bank_and_a_portal_on_one_token_pass_only_what_both_open(client: TestClient) -> None:
    both = _auth(Role.DONOR_PORTAL, Role.PARTNER_BANK, organization="club-1")
    assert client.get("/subscriptions", headers=both).status_code == 200
    r = client.get("/associations/club-1", headers=both)  # open to portals, not to banks
    assert r.status_code == 403 and r.json()["type"].endswith("/not-this-bank")


def test_other_tokens_have_no_association() -> None:
    staff = Principal("s", frozenset({Role.ODF_STAFF}), frozenset({"09"}), organization="X")
    assert not is_donor_portal(staff) and association_of(staff) is None
    portal = Principal("p", frozenset({Role.DONOR_PORTAL}), frozenset({"09"}), organization="c")
    assert is_donor_portal(portal) and association_of(portal) == "c"

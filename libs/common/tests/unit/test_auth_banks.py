"""A partner bank's token passes only the routes declared open to banks, and on them only its
own bank's records (`megp_common.auth.banks`)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from megp_common.auth import (
    AuthConfig,
    BankAccess,
    Principal,
    Role,
    TokenVerifier,
    bank_filter,
    check_bank,
    mint_token,
    open_to_banks,
)
from megp_common.auth.banks import PARTNER_BANK_EXTENSION, declared_access
from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.errors import install_problem_handlers
from megp_common.refusals import NotThisBank

CONFIG = AuthConfig(secret="b" * 48)
FUNDS = {"f1": "Banorte", "f2": "BBVA México"}


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = TokenVerifier(CONFIG)

    @app.get("/funds/{fund_id}", openapi_extra=open_to_banks(BankAccess.TRUST_BANK))
    def fund(fund_id: str, who: CurrentPrincipal) -> dict[str, str]:
        check_bank(who, FUNDS[fund_id], what="fund")
        return {"fund": fund_id}

    @app.get("/participants")
    def participants(who: CurrentPrincipal) -> list[str]:
        return ["CURP"]

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(_app())


def _auth(*roles: Role, **claims: Any) -> dict[str, str]:
    token = mint_token(CONFIG, "caller", roles, ["*"], **claims)
    return {"Authorization": f"Bearer {token}"}


def test_the_declaration_is_in_the_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/funds/{fund_id}"]["get"][PARTNER_BANK_EXTENSION] == "trust_bank"
    assert PARTNER_BANK_EXTENSION not in paths["/participants"]["get"]
    assert declared_access(paths["/funds/{fund_id}"]["get"]) is BankAccess.TRUST_BANK


def test_a_bank_reads_its_own_fund_only(client: TestClient) -> None:
    banorte = _auth(Role.PARTNER_BANK, organization="Banorte")
    assert client.get("/funds/f1", headers=banorte).json() == {"fund": "f1"}
    other = client.get("/funds/f2", headers=banorte)
    assert other.status_code == 403
    assert other.json()["type"].endswith("/not-this-bank")


@pytest.mark.parametrize(
    "roles", [(Role.PARTNER_BANK,), (Role.PARTNER_BANK, Role.PROGRAMME_SUPERVISOR), tuple(Role)]
)
def test_a_route_not_declared_open_refuses_any_bank_token(
    client: TestClient, roles: tuple[Role, ...]
) -> None:
    r = client.get("/participants", headers=_auth(*roles, organization="Banorte"))
    assert r.status_code == 403, r.text
    assert r.json()["type"].endswith("/not-this-bank")
    assert r.json()["bank"] == "Banorte"
    # the same roles without the bank role pass the gate (and without the donor portal's,
    # which has its own gate, `auth.donors`)
    rest = tuple(role for role in roles if role not in (Role.PARTNER_BANK, Role.DONOR_PORTAL))
    if rest:
        assert client.get("/participants", headers=_auth(*rest)).status_code == 200


def test_a_bank_token_naming_no_bank_reaches_nothing(client: TestClient) -> None:
    r = client.get("/funds/f1", headers=_auth(Role.PARTNER_BANK))
    assert r.status_code == 403
    assert "organization" in r.json()["detail"]


def test_other_tokens_are_not_checked_by_bank() -> None:
    staff = Principal("s", frozenset({Role.ODF_STAFF}), frozenset({"09"}), organization="X")
    check_bank(staff, "Banorte")
    assert bank_filter(staff) is None
    bank = Principal("b", frozenset({Role.PARTNER_BANK}), frozenset({"*"}), organization="X")
    assert bank_filter(bank) == "X"
    with pytest.raises(NotThisBank):
        check_bank(bank, None)

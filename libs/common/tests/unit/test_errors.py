from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel

from megp_common.errors import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_RESPONSES,
    BusinessRuleViolation,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unauthorized,
    ValidationFailed,
    install_problem_handlers,
)


class _Body(BaseModel):
    name: str
    size: int


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/groups/{group_id}", responses=PROBLEM_RESPONSES)
    def get_group(group_id: str) -> dict[str, str]:
        raise NotFound(f"group {group_id} does not exist", extensions={"group_id": group_id})

    @app.post("/loans")
    def grant(body: _Body) -> dict[str, str]:
        raise BusinessRuleViolation("groups need five members", rule="¶72")

    @app.get("/teapot")
    def teapot() -> None:
        raise HTTPException(status_code=418, detail="short and stout", headers={"X-Tea": "1"})

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret database password in message")

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(_app(), raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("cls", "status", "slug"),
    [
        (NotFound, 404, "not-found"),
        (Conflict, 409, "conflict"),
        (PreconditionFailed, 412, "precondition-failed"),
        (PreconditionRequired, 428, "precondition-required"),
        (Forbidden, 403, "forbidden"),
        (ValidationFailed, 422, "validation-failed"),
    ],
)
def test_subclass_defaults(cls: type[DomainError], status: int, slug: str) -> None:
    error = cls("details here")
    assert error.status == status
    assert error.type_uri == f"https://megp.mx/problems/{slug}"
    problem = error.to_problem("/x")
    assert problem["status"] == status and problem["detail"] == "details here"
    assert problem["instance"] == "/x"


def test_overrides_and_reserved_extensions() -> None:
    error = Conflict("taken", slug="curp-already-enrolled", title="Already enrolled")
    assert error.type_uri == "https://megp.mx/problems/curp-already-enrolled"
    assert error.title == "Already enrolled"
    assert Conflict.title == "Conflict"
    with pytest.raises(ValueError):
        Conflict("x", extensions={"status": 200})


def test_unauthorized_and_rule_violation() -> None:
    assert Unauthorized("no token").headers == {"WWW-Authenticate": "Bearer"}
    violation = BusinessRuleViolation("too small", rule="¶72")
    assert violation.status == 422
    assert violation.rule == "¶72"
    assert violation.to_problem()["rule"] == "¶72"


def test_domain_error_is_rendered_as_problem(client: TestClient) -> None:
    response = client.get("/groups/g-1")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json() == {
        "type": "https://megp.mx/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "group g-1 does not exist",
        "instance": "/groups/g-1",
        "group_id": "g-1",
    }


def test_business_rule_carries_rule_reference(client: TestClient) -> None:
    response = client.post("/loans", json={"name": "a", "size": 3})
    assert response.status_code == 422
    body = response.json()
    assert body["rule"] == "¶72"
    assert body["type"].endswith("/business-rule-violation")


def test_request_validation_lists_field_errors_without_input(client: TestClient) -> None:
    response = client.post("/loans", json={"name": "CURP-SECRET", "size": "many"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["instance"] == "/loans"
    assert body["errors"] == [
        {"loc": ["body", "size"], "msg": body["errors"][0]["msg"], "type": "int_parsing"}
    ]
    assert "many" not in response.text


def test_http_exception_becomes_problem(client: TestClient) -> None:
    response = client.get("/teapot")
    assert response.status_code == 418
    assert response.headers["x-tea"] == "1"
    assert response.json() == {
        "type": "about:blank",
        "title": "I'm a Teapot",
        "status": 418,
        "detail": "short and stout",
        "instance": "/teapot",
    }
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert missing.json()["title"] == "Not Found"
    assert "detail" not in missing.json()


def test_unhandled_exception_is_500_without_leaking(client: TestClient) -> None:
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["title"] == "Internal error"
    assert body["instance"] == "/boom"
    assert "password" not in response.text


def test_problem_responses_document_openapi() -> None:
    schema = _app().openapi()
    responses = schema["paths"]["/groups/{group_id}"]["get"]["responses"]
    for code in ("400", "401", "403", "404", "409", "412", "422"):
        content = responses[code]["content"]
        assert content[PROBLEM_MEDIA_TYPE]["schema"] == {
            "$ref": "#/components/schemas/ProblemDetail"
        }
    assert "ProblemDetail" in schema["components"]["schemas"]

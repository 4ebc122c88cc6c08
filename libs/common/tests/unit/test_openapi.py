"""document_problems: every error a route can answer is a documented problem document."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header
from fastapi.testclient import TestClient
from pydantic import BaseModel

from megp_common.auth import Role
from megp_common.auth.fastapi import require_roles
from megp_common.errors import PROBLEM_MEDIA_TYPE, install_problem_handlers, problem_responses
from megp_common.openapi import PROMETHEUS_MEDIA_TYPE, complete_problems, document_problems
from megp_common.web import IdempotencyKeyHeader, IfMatchHeader

PROBLEM = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}}


class Thing(BaseModel):
    name: str


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    secured = APIRouter(dependencies=[Depends(require_roles(Role.ODF_STAFF))])

    @secured.post("/v1/things", status_code=201, responses=problem_responses((409, 428)))
    async def create(body: Thing, key: IdempotencyKeyHeader = None) -> Thing:
        return body

    @secured.post("/v1/things/{thing_id}/archive")
    async def archive(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    @secured.get("/v1/things/{thing_id}")
    async def read(thing_id: str, limit: int = 10) -> Thing:
        return Thing(name=thing_id)

    @secured.patch("/v1/things/{thing_id}")
    async def change(thing_id: str, body: Thing, if_match: IfMatchHeader = None) -> Thing:
        return body

    @secured.put("/v1/things/{thing_id}/label")
    async def label(
        thing_id: str, x_label: Annotated[str | None, Header(alias="X-Label")] = None
    ) -> Thing:
        return Thing(name=thing_id)

    @app.get("/v1/open")
    async def open_route() -> dict[str, str]:
        return {}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> dict[str, Any]:
        return {}

    @app.get("/metrics")
    async def metrics() -> str:
        return ""

    app.include_router(secured)
    document_problems(app)
    return app


def _codes(schema: dict[str, Any], path: str, method: str) -> set[str]:
    return set(schema["paths"][path][method]["responses"])


def _header(schema: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    params = schema["paths"][path][method]["parameters"]
    (found,) = [p for p in params if p["in"] == "header" and p["name"] == name]
    return dict(found)


def test_every_operation_lists_the_problems_it_can_answer() -> None:
    schema = _app().openapi()
    assert _codes(schema, "/v1/things", "post") == {
        "201", "400", "401", "403", "409", "413", "414", "422", "428", "503",
    }  # fmt: skip
    assert _codes(schema, "/v1/things/{thing_id}", "get") == {
        "200", "400", "401", "403", "404", "414", "422", "503",
    }  # fmt: skip
    assert _codes(schema, "/v1/things/{thing_id}", "patch") == {
        "200", "400", "401", "403", "404", "412", "413", "414", "422", "428", "503",
    }  # fmt: skip
    assert _codes(schema, "/v1/things/{thing_id}/archive", "post") == {
        "200", "400", "401", "403", "404", "409", "414", "422", "428", "503",
    }  # fmt: skip
    # no token needed: no 401 and no 403
    assert _codes(schema, "/v1/open", "get") == {"200", "400", "414", "422", "503"}
    assert _codes(schema, "/healthz", "get") == {"200", "414"}


def test_every_error_is_a_problem_document_with_a_description() -> None:
    schema = _app().openapi()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                assert response["description"], (method, path, code)
                if code.startswith(("4", "5")) and path != "/readyz":
                    assert response["content"] == PROBLEM, (method, path, code)
    components = schema["components"]["schemas"]
    assert "HTTPValidationError" not in components
    assert "ValidationError" not in components
    assert components["ProblemDetail"]["required"] == ["title", "status"]
    assert "FieldError" in components


def test_descriptions_kept_and_428_says_which_header() -> None:
    schema = _app().openapi()
    post = schema["paths"]["/v1/things"]["post"]["responses"]
    assert post["409"]["description"] == "Conflicts with the current state of the resource"
    assert post["428"]["description"] == "The Idempotency-Key header is missing"
    patch = schema["paths"]["/v1/things/{thing_id}"]["patch"]["responses"]
    assert "If-Match" in patch["428"]["description"]
    assert "Idempotency-Key" not in patch["428"]["description"]


def test_posts_require_an_idempotency_key() -> None:
    schema = _app().openapi()
    declared = _header(schema, "/v1/things", "post", "Idempotency-Key")
    assert declared["required"] is True
    assert declared["schema"]["type"] == "string"
    assert "anyOf" not in declared["schema"]
    added = _header(schema, "/v1/things/{thing_id}/archive", "post", "Idempotency-Key")
    assert added["required"] is True
    # other headers are left as they are
    assert _header(schema, "/v1/things/{thing_id}", "patch", "If-Match").get("required") is False
    assert _header(schema, "/v1/things/{thing_id}/label", "put", "X-Label").get("required") is False


def test_platform_routes_are_documented() -> None:
    schema = _app().openapi()
    ready = schema["paths"]["/readyz"]["get"]["responses"]
    readiness = {"$ref": "#/components/schemas/Readiness"}
    assert ready["200"]["content"]["application/json"]["schema"] == readiness
    assert ready["503"]["content"]["application/json"]["schema"] == readiness
    assert schema["components"]["schemas"]["Readiness"]["required"] == ["status", "checks"]
    metrics = schema["paths"]["/metrics"]["get"]["responses"]["200"]
    assert list(metrics["content"]) == [PROMETHEUS_MEDIA_TYPE]


def test_served_schema_is_the_completed_one_and_computed_once() -> None:
    app = _app()
    served = TestClient(app).get("/openapi.json").json()
    assert "503" in served["paths"]["/v1/open"]["get"]["responses"]
    assert app.openapi() is app.openapi()


def test_completion_is_a_copy_and_idempotent() -> None:
    app = FastAPI()

    @app.get("/v1/x/{x_id}")
    async def read(x_id: str) -> dict[str, str]:
        return {}

    generated = app.openapi()
    once = complete_problems(generated)
    assert "404" not in generated["paths"]["/v1/x/{x_id}"]["get"]["responses"]
    assert complete_problems(once) == once

"""http_limits: long queries (414), large bodies (413) and unsupported methods (405) are problem
documents, and a 405 names every method the path supports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from megp_common.errors import PROBLEM_MEDIA_TYPE, install_problem_handlers
from megp_common.http_limits import HttpLimits, install_http_limits


class Note(BaseModel):
    text: str


def _app(limits: HttpLimits | None = None) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_http_limits(app, limits)

    @app.get("/v1/notes")
    async def search(q: str = "") -> dict[str, int]:
        return {"length": len(q)}

    @app.post("/v1/notes", status_code=201)
    async def create(note: Note) -> dict[str, int]:
        return {"length": len(note.text)}

    # a second route on the same path: Starlette's own 405 names only the first one's methods
    @app.delete("/v1/notes")
    async def purge() -> dict[str, str]:
        return {}

    @app.put("/v1/notes/{note_id}")
    async def replace(note_id: str, note: Note) -> dict[str, str]:
        return {"id": note_id}

    # and one in an included router: FastAPI keeps it nested, not in app.router.routes
    included = APIRouter(prefix="/v1")

    @included.get("/notes/{note_id}")
    async def read(note_id: str) -> dict[str, str]:
        return {"id": note_id}

    app.include_router(included)
    return app


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(_app(HttpLimits(max_query_bytes=100, max_body_bytes=1000))) as test_client:
        yield test_client


def _is_problem(status: int, response: object) -> dict[str, object]:
    assert getattr(response, "status_code", None) == status, getattr(response, "text", "")
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    return body


def test_a_query_within_the_bound_is_served(client: TestClient) -> None:
    assert client.get("/v1/notes", params={"q": "a" * 90}).json() == {"length": 90}


def test_a_query_over_the_bound_is_a_414(client: TestClient) -> None:
    body = _is_problem(414, client.get("/v1/notes", params={"q": "a" * 101}))
    assert body["max_query_bytes"] == 100
    assert body["instance"] == "/v1/notes"


def test_the_default_bound_is_8_kib() -> None:
    # (httpx refuses to send a 64 KiB query; tests/e2e sends one to a running service)
    with TestClient(_app()) as default_client:
        assert default_client.get("/v1/notes", params={"q": "a" * 8000}).status_code == 200
        body = _is_problem(414, default_client.get("/v1/notes", params={"q": "a" * 60000}))
        assert body["max_query_bytes"] == 8192


def test_a_body_within_the_bound_is_served(client: TestClient) -> None:
    response = client.post("/v1/notes", json={"text": "a" * 900})
    assert response.status_code == 201
    assert response.json() == {"length": 900}


def test_a_declared_body_over_the_bound_is_a_413(client: TestClient) -> None:
    body = _is_problem(413, client.post("/v1/notes", json={"text": "a" * 1000}))
    assert body["max_body_bytes"] == 1000


def test_a_streamed_body_over_the_bound_is_a_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(20):
            yield b"a" * 100
        yield b'"}'

    # a generator body goes out chunked, without Content-Length
    response = client.put(
        "/v1/notes/n1", content=chunks(), headers={"Content-Type": "application/json"}
    )
    body = _is_problem(413, response)
    assert "1000 bytes" in str(body["detail"])


def test_an_unsupported_method_is_a_405_naming_every_method_of_the_path(
    client: TestClient,
) -> None:
    for method in ("OPTIONS", "PATCH", "PUT"):
        response = client.request(method, "/v1/notes")
        body = _is_problem(405, response)
        assert response.headers["allow"] == "GET, POST, DELETE", method
        assert body["allowed_methods"] == ["GET", "POST", "DELETE"]
    # FastAPI's routes answer no HEAD of their own, so it is not listed (and has no body)
    head = client.head("/v1/notes")
    assert (head.status_code, head.headers["allow"]) == (405, "GET, POST, DELETE")
    response = client.request("DELETE", "/v1/notes/n1")
    _is_problem(405, response)
    assert response.headers["allow"] == "GET, PUT"
    assert client.get("/v1/notes/n1").json() == {"id": "n1"}


def test_an_unknown_path_stays_a_404(client: TestClient) -> None:
    _is_problem(404, client.request("OPTIONS", "/v1/nowhere"))


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_MAX_QUERY_BYTES", "2048")
    monkeypatch.setenv("HTTP_MAX_BODY_BYTES", "4096")
    limits = HttpLimits()
    assert (limits.max_query_bytes, limits.max_body_bytes) == (2048, 4096)
    assert limits.max_head_bytes == 256 * 1024

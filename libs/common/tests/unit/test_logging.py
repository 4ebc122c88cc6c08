from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from fastapi import FastAPI
from fastapi.testclient import TestClient

from megp_common.errors import install_problem_handlers
from megp_common.logging import (
    bind_correlation,
    clear_context,
    configure_logging,
    get_correlation_id,
)
from megp_common.middleware import CorrelationIdMiddleware


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("credit", level="DEBUG", stream=stream)
    yield stream
    clear_context()
    structlog.reset_defaults()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved_handlers:
        root.addHandler(handler)
    root.setLevel(saved_level)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


def test_structlog_lines_are_json_with_context(output: io.StringIO) -> None:
    bind_correlation("corr-1", group_id="g-7")
    structlog.get_logger("megp.test").info("loan granted", amount="100.00")
    clear_context()
    structlog.get_logger("megp.test").warning("after clear")
    first, second = _lines(output)
    assert first["event"] == "loan granted"
    assert first["service"] == "credit"
    assert first["level"] == "info"
    assert first["correlation_id"] == "corr-1"
    assert first["group_id"] == "g-7"
    assert first["amount"] == "100.00"
    assert first["timestamp"].endswith("Z")
    assert second["correlation_id"] is None


def test_stdlib_loggers_are_routed(output: io.StringIO) -> None:
    uvicorn_logger = logging.getLogger("uvicorn.error")
    uvicorn_logger.addHandler(logging.StreamHandler(io.StringIO()))
    configure_logging("credit", level="INFO", stream=output)
    bind_correlation("corr-2")
    logging.getLogger("aiokafka.consumer").info("joined group %s", "credit")
    uvicorn_logger.info("started")
    logging.getLogger("aiokafka").debug("below level")
    lines = _lines(output)
    assert [line["event"] for line in lines] == ["joined group credit", "started"]
    assert all(line["service"] == "credit" for line in lines)
    assert lines[0]["correlation_id"] == "corr-2"
    assert lines[0]["logger"] == "aiokafka.consumer"
    assert not uvicorn_logger.handlers


def test_exceptions_are_rendered_on_one_line(output: io.StringIO) -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        structlog.get_logger().exception("failed")
    (line,) = _lines(output)
    assert "ValueError: bad" in line["exception"]


def test_console_renderer(output: io.StringIO) -> None:
    configure_logging("credit", json=False, stream=output)
    structlog.get_logger().info("hello")
    assert "hello" in output.getvalue()


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(CorrelationIdMiddleware)

    @app.get("/whoami")
    async def whoami() -> dict[str, str | None]:
        structlog.get_logger().info("handling")
        return {"correlation_id": get_correlation_id()}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("kaput")

    return app


def test_middleware_binds_and_echoes_incoming_id(output: io.StringIO) -> None:
    client = TestClient(_app())
    response = client.get("/whoami", headers={"X-Correlation-ID": "req-123"})
    assert response.headers["x-correlation-id"] == "req-123"
    assert response.json() == {"correlation_id": "req-123"}
    assert any(line.get("correlation_id") == "req-123" for line in _lines(output))
    assert get_correlation_id() is None


def test_middleware_generates_id_when_missing_or_unsafe() -> None:
    client = TestClient(_app())
    generated = client.get("/whoami")
    assert len(generated.headers["x-correlation-id"]) == 36
    assert generated.json()["correlation_id"] == generated.headers["x-correlation-id"]
    unsafe = client.get("/whoami", headers={"X-Correlation-ID": "a\tb" + "x" * 200})
    assert unsafe.headers["x-correlation-id"] != "a\tb" + "x" * 200
    assert len(unsafe.headers["x-correlation-id"]) == 36


def test_unhandled_errors_keep_the_correlation_id(output: io.StringIO) -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    response = client.get("/boom", headers={"X-Correlation-ID": "req-500"})
    assert response.status_code == 500
    assert response.headers["x-correlation-id"] == "req-500"
    assert response.json()["correlation_id"] == "req-500"
    logged = [line for line in _lines(output) if line["event"] == "unhandled exception"]
    assert logged and logged[0]["correlation_id"] == "req-500"
    assert "kaput" in logged[0]["exception"]

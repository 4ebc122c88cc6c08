"""Store and broker outages met by a request answer 503 with Retry-After; anything else that
escapes is still the catch-all's 500."""

from __future__ import annotations

import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pymongo.errors import (
    AutoReconnect,
    NetworkTimeout,
    NotPrimaryError,
    OperationFailure,
    ServerSelectionTimeoutError,
    WaitQueueTimeoutError,
)

from megp_common.errors import install_problem_handlers
from megp_common.unavailable import UNAVAILABLE_TYPE, install_unavailable_handlers

RAISED: dict[str, BaseException] = {
    "selection": ServerSelectionTimeoutError("127.0.0.1:27017: connection refused"),
    "reset": AutoReconnect("127.0.0.1:27017: [Errno 104] Connection reset by peer"),
    "network-timeout": NetworkTimeout("timed out"),
    "not-primary": NotPrimaryError("not primary"),
    "wait-queue": WaitQueueTimeoutError("pool exhausted"),
    "shutting-down": OperationFailure("shutdown in progress", code=91),
    "stepped-down": OperationFailure("primary stepped down", code=189),
    "kafka-connection": KafkaConnectionError("no connection"),
    "kafka-timeout": KafkaTimeoutError(),
    "group-of-outages": ExceptionGroup("two", [AutoReconnect("a"), NetworkTimeout("b")]),
    # not outages
    "bad-query": OperationFailure("unknown operator: $frob", code=2),
    "mixed-group": ExceptionGroup("two", [AutoReconnect("a"), ValueError("b")]),
    "plain": RuntimeError("boom"),
}


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_unavailable_handlers(app, retry_after_s=7)

    @app.get("/raise/{name}")
    async def raise_(name: str) -> None:
        raise RAISED[name]

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(_app(), raise_server_exceptions=False)


@pytest.mark.parametrize(
    "name",
    [
        "selection",
        "reset",
        "network-timeout",
        "not-primary",
        "wait-queue",
        "shutting-down",
        "stepped-down",
        "kafka-connection",
        "kafka-timeout",
        "group-of-outages",
    ],
)
def test_an_outage_is_a_503_problem_with_retry_after(client: TestClient, name: str) -> None:
    response = client.get(f"/raise/{name}")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == "7"
    body = response.json()
    assert body["type"] == UNAVAILABLE_TYPE
    assert body["status"] == 503 and body["title"] and body["detail"]
    assert body["instance"] == f"/raise/{name}"
    assert "127.0.0.1" not in body["detail"]  # the server's address stays in the log
    which = "broker" if name.startswith("kafka") else "store"
    assert which in body["detail"]


@pytest.mark.parametrize("name", ["bad-query", "mixed-group", "plain"])
def test_anything_else_is_still_the_generic_500(client: TestClient, name: str) -> None:
    response = client.get(f"/raise/{name}")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "retry-after" not in response.headers
    assert response.json()["status"] == 500

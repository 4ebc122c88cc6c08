from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from megp_common.errors import install_problem_handlers
from megp_common.metrics import EVENTS_CONSUMED, MetricsMiddleware, metrics_endpoint


def _count(route: str, status: str, service: str = "metrics-test") -> float:
    labels = {"service": service, "method": "GET", "route": route, "status": status}
    return REGISTRY.get_sample_value("megp_http_request_seconds_count", labels) or 0.0


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(MetricsMiddleware, service="metrics-test")
    app.get("/metrics")(metrics_endpoint)

    @app.get("/groups/{group_id}")
    async def group(group_id: str) -> dict[str, str]:
        return {"id": group_id}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("kaput")

    return app


def test_request_is_observed_with_route_template() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    before = _count("/groups/{group_id}", "200")
    assert client.get("/groups/g-1").status_code == 200
    assert client.get("/groups/g-2").status_code == 200
    assert _count("/groups/{group_id}", "200") == before + 2


def test_unmatched_and_failing_requests_are_bounded() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    unmatched, failed = _count("unmatched", "404"), _count("/boom", "500")
    client.get("/no/such/path/123")
    client.get("/boom")
    assert _count("unmatched", "404") == unmatched + 1
    assert _count("/boom", "500") == failed + 1


def test_metrics_endpoint_exposes_registry() -> None:
    EVENTS_CONSUMED.labels("metrics-test", "credit.events", "LoanGranted", "applied").inc()
    response = TestClient(_app()).get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "megp_events_consumed_total" in response.text
    assert "megp_http_request_seconds_bucket" in response.text

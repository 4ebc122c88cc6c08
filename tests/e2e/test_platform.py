"""The five services as separate processes, on the real broker and store."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import pytest

from megp_common.auth import Role
from megp_common.launcher import Platform

pytestmark = pytest.mark.e2e


def test_every_service_is_alive_ready_and_measured(platform: Platform) -> None:
    for proc in platform.processes.values():
        assert httpx.get(f"{proc.url}/healthz").json() == {"status": "ok"}
        ready = httpx.get(f"{proc.url}/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {
            "mongo": True,
            "kafka": True,
            "outbox_relay": True,
            "consumer": True,
        }
        metrics = httpx.get(f"{proc.url}/metrics").text
        assert "megp_http_request_seconds_count" in metrics
        openapi = httpx.get(f"{proc.url}/openapi.json").json()
        assert openapi["info"]["title"] == proc.name


def test_clock_set_through_one_service_is_seen_by_all(platform: Platform, tokens) -> None:  # type: ignore[no-untyped-def]
    enrollment = platform.processes["enrollment"].url
    instant = datetime(2031, 4, 1, 12, 0, tzinfo=UTC)
    resp = httpx.put(
        f"{enrollment}/v1/admin/clock",
        json={"instant": instant.isoformat(), "rewind": True},
        headers=tokens.header(Role.PROGRAMME_SUPERVISOR),
    )
    assert resp.status_code == 200, resp.text
    version = resp.json()["version"]
    deadline = time.monotonic() + 10
    reader = tokens.header(Role.ODF_STAFF, states=("09",))
    seen: dict[str, object] = {}
    while time.monotonic() < deadline:
        seen = {
            name: httpx.get(f"{p.url}/v1/admin/clock", headers=reader).json()
            for name, p in platform.processes.items()
        }
        if all(v["version"] == version for v in seen.values()):
            break
        time.sleep(0.2)
    for name, view in seen.items():
        assert view["version"] == version, name
        assert datetime.fromisoformat(view["now"]) == instant, name


def test_clock_refuses_the_unauthenticated_and_the_unauthorized(platform: Platform, tokens) -> None:  # type: ignore[no-untyped-def]
    funds = platform.processes["funds"].url
    body = {"instant": "2030-01-01T00:00:00Z"}
    anonymous = httpx.put(f"{funds}/v1/admin/clock", json=body)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    donor = httpx.put(
        f"{funds}/v1/admin/clock", json=body, headers=tokens.header(Role.DONOR_PORTAL)
    )
    assert donor.status_code == 403
    assert donor.json()["status"] == 403
    naive = httpx.put(
        f"{funds}/v1/admin/clock",
        json={"instant": "2030-01-01T00:00:00"},
        headers=tokens.header(Role.PROGRAMME_SUPERVISOR),
    )
    assert naive.status_code == 422


def test_a_crashed_service_comes_back(platform: Platform) -> None:
    platform.restart("trade", crash=True)
    assert httpx.get(f"{platform.processes['trade'].url}/readyz").status_code == 200

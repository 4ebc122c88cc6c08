"""The services as separate processes, on the real broker and store."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest

from megp_common.auth import Role
from megp_common.launcher import Backoff, Platform, port_offset
from megp_common.settings import REPO_ROOT, WEB_APPS
from megp_common.testing.infra import Infra

pytestmark = pytest.mark.e2e


def test_every_service_is_alive_ready_and_measured(platform: Platform) -> None:
    for proc in platform.processes.values():
        if proc.name in WEB_APPS:  # the console: pages, no store or broker (its own tests)
            continue
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
            if name not in WEB_APPS
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


class Output:
    """The lines a process prints, read on a thread so a test can wait for one."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stdout is not None
        stream = proc.stdout
        threading.Thread(target=lambda: [self.lines.put(x) for x in stream], daemon=True).start()

    def wait_for(self, pattern: str, timeout_s: float = 90.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if found := re.search(pattern, line):
                return found
        raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.seen)}")


def ready(url: str, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


@pytest.mark.timeout(240)
def test_the_launcher_starts_a_killed_service_again_with_a_growing_pause(infra: Infra) -> None:
    """`make run`'s launcher as a process of its own, with one service (trade, on ports and a
    database apart from the session's platform): SIGKILL the service twice in a row; each time
    the launcher says so and starts it again, the second time after twice the pause; it stops
    everything only when it gets SIGTERM."""
    env = os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka,
        "MONGO_URL": infra.mongo,
        "MONGO_DATABASE": "megp_launcher_test",
        "ENVIRONMENT": "test",
        "MEGP_PORT_OFFSET": str(port_offset() + 50),
        "PYTHONUNBUFFERED": "1",
    }
    launcher = subprocess.Popen(
        [sys.executable, "-m", "megp_common.launcher", "--services", "trade"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO_ROOT,
    )
    out = Output(launcher)
    first = Backoff().first_s
    try:
        row = out.wait_for(r"^\s+trade\s+(http://\S+)\s+\S+/docs\s+(\d+)\s")
        url, pid = row[1], int(row[2])
        out.wait_for("Press Ctrl-C")
        assert ready(url, 5)

        for attempt, pause in ((1, first), (2, 2 * first)):
            os.kill(pid, signal.SIGKILL)
            out.wait_for(
                rf"^trade died \(exit code -9 \(SIGKILL\)\); restart attempt {attempt} "
                rf"in {pause:g} s"
            )
            died_at = time.monotonic()
            back = out.wait_for(rf"^trade restarted \(attempt {attempt}, pid (\d+)\)")
            assert time.monotonic() - died_at >= pause - 0.6  # it waited out the pause
            assert int(back[1]) != pid
            pid = int(back[1])
            assert ready(url), f"trade did not come back after attempt {attempt}"
            assert launcher.poll() is None  # the others (here: the launcher) kept running
    finally:
        launcher.send_signal(signal.SIGTERM)
        code = launcher.wait(60)
    out.wait_for("^stopped")
    assert code == 0
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{url}/readyz", timeout=2)

"""The store killed (SIGKILL) while keyed writes flow, then started again with deploy/local's
script: every acknowledged write is there exactly once, the services reconnect by themselves,
/readyz says not ready while the store is away, and no request answers 500 (a 503 with
Retry-After, or a refused connection, and the client sends it again with the same key)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from megp_common.launcher import DEPLOY, Platform
from megp_common.settings import REPO_ROOT
from megp_common.testing.enrollment_driver import Driver
from megp_common.testing.infra import Infra

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]

WRITERS = 4
DOWN_FOR_S = 8.0  # longer than MONGO_SERVER_SELECTION_TIMEOUT_MS: requests time out, not only fail
ATTEMPT_TIMEOUT_S = 30.0  # an attempt that gets no answer in this long counts as hung


def store_pid() -> int:
    pids = Path(os.environ.get("MEGP_LOCAL_DIR") or REPO_ROOT / ".local") / "pids"
    return int((pids / "store.pid").read_text().strip())


@dataclass
class Traffic:
    """What every attempt of every writer got, and the writes acknowledged."""

    answers: list[tuple[float, int | str, str | None]] = field(default_factory=list)
    slowest_s: float = 0.0
    acked: list[tuple[str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(
        self, outcome: int | str, retry_after: str | None = None, elapsed_s: float = 0.0
    ) -> None:
        with self.lock:
            self.answers.append((time.monotonic(), outcome, retry_after))
            self.slowest_s = max(self.slowest_s, elapsed_s)

    def statuses(self) -> set[int | str]:
        with self.lock:
            return {outcome for _, outcome, _ in self.answers}

    def acks(self) -> int:
        with self.lock:
            return len(self.acked)


def write_until_acknowledged(
    client: httpx.Client,
    headers: dict[str, str],
    body: dict[str, Any],
    traffic: Traffic,
    deadline_s: float = 180.0,
) -> None:
    """POST one enrollment under one Idempotency-Key until it is acknowledged, as a careful
    client does: again after a refused connection or a 503 (waiting as Retry-After says, at
    most a second here), never after anything else."""
    key = str(uuid.uuid4())
    give_up = time.monotonic() + deadline_s
    while time.monotonic() < give_up:
        try:
            r = client.post("/participants", json=body, headers={**headers, "Idempotency-Key": key})
        except httpx.TimeoutException:
            traffic.note("hung")
            traffic.wrong.append(f"{key}: no answer in {ATTEMPT_TIMEOUT_S:.0f} s")
            continue
        except httpx.TransportError as exc:
            traffic.note(f"transport:{type(exc).__name__}")
            time.sleep(0.3)
            continue
        traffic.note(r.status_code, r.headers.get("retry-after"), r.elapsed.total_seconds())
        if r.status_code in (200, 201):
            with traffic.lock:
                traffic.acked.append((key, body, r.json()))
            return
        if r.status_code == 503:
            if not r.headers["content-type"].startswith("application/problem+json") or (
                r.json().get("type") != "https://megp.mx/problems/unavailable"
            ):
                traffic.wrong.append(f"{key}: a 503 that is not the unavailable problem: {r.text}")
            time.sleep(min(1.0, float(r.headers.get("retry-after", "1"))))
            continue
        traffic.wrong.append(f"{key}: {r.status_code} {r.text[:300]}")
        return
    traffic.wrong.append(f"{key}: not acknowledged within {deadline_s:.0f} s")


def dead_lettered(platform: Platform) -> dict[str, float]:
    """Messages each service's consumer has sent to its dead-letter topic (from /metrics)."""
    out = {}
    for name, p in platform.processes.items():
        text = httpx.get(f"{p.url}/metrics", timeout=10).text
        out[name] = sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("megp_dlq_messages_total")
        )
    return out


def wait_for(predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_store_killed_mid_stream_loses_nothing_and_answers_no_500(  # type: ignore[no-untyped-def]
    platform: Platform, infra: Infra, tokens
) -> None:
    if infra.source != "local":
        raise AssertionError(
            "this test kills the store: run it on the harness-managed local store "
            "(unset KAFKA_BOOTSTRAP_SERVERS and MONGO_URL, no Docker)"
        )
    enrollment = platform.processes["enrollment"]
    service_pids = {name: p.proc.pid for name, p in platform.processes.items() if p.proc}
    drive = Driver(enrollment.url, tokens.header, state=f"{random.randint(1, 32):02d}")
    bodies = [drive.participant_body() for _ in range(400)]  # before the store goes
    dead_before = dead_lettered(platform)
    headers = drive.staff

    traffic = Traffic()
    readiness: list[tuple[float, str, int | str]] = []
    stop_writing, stop_watching = threading.Event(), threading.Event()

    def writer(k: int) -> None:
        with httpx.Client(base_url=f"{enrollment.url}/v1", timeout=ATTEMPT_TIMEOUT_S) as client:
            for body in bodies[k::WRITERS]:
                if stop_writing.is_set():
                    return
                write_until_acknowledged(client, headers, body, traffic)
                time.sleep(0.05)

    def watcher() -> None:
        with httpx.Client(timeout=10) as client:
            while not stop_watching.is_set():
                for name, p in platform.processes.items():
                    try:
                        status: int | str = client.get(f"{p.url}/readyz").status_code
                    except httpx.HTTPError as exc:
                        status = type(exc).__name__
                    readiness.append((time.monotonic(), name, status))
                time.sleep(0.3)

    threads = [threading.Thread(target=writer, args=(k,), daemon=True) for k in range(WRITERS)]
    watching = threading.Thread(target=watcher, daemon=True)
    watching.start()
    for t in threads:
        t.start()
    try:
        wait_for(lambda: traffic.acks() >= 12, 60, "writes acknowledged before the kill")
        acked_before = traffic.acks()
        os.kill(store_pid(), signal.SIGKILL)
        killed_at = time.monotonic()
        wait_for(
            lambda: any(t > killed_at and s == 503 for t, n, s in readiness if n == "enrollment"),
            15,
            "enrollment's /readyz to answer 503 with the store away",
        )
        time.sleep(DOWN_FOR_S)
        restarted = subprocess.run([str(DEPLOY / "store.sh"), "restart"], text=True, check=False)
        assert restarted.returncode == 0, "store.sh restart failed (see .local/logs/store.log)"
        back_at = time.monotonic()

        def all_ready() -> bool:
            latest: dict[str, int | str] = {}
            for t, name, status in readiness:
                if t > back_at:
                    latest[name] = status
            return len(latest) == len(platform.processes) and all(s == 200 for s in latest.values())

        wait_for(all_ready, 90, "every service ready again without a restart")
        acked_down = traffic.acks()
        wait_for(
            lambda: traffic.acks() >= acked_down + 12, 90, "writes acknowledged after the store"
        )
    finally:
        stop_writing.set()
        for t in threads:
            t.join(240)
        stop_watching.set()
        watching.join(30)

    # the services were never restarted: they found the store again by themselves
    for name, p in platform.processes.items():
        assert p.proc is not None and p.proc.poll() is None, f"{name} exited"
        assert p.proc.pid == service_pids[name], f"{name} was restarted"

    assert not traffic.wrong, traffic.wrong[:10]
    statuses = traffic.statuses()
    assert not {s for s in statuses if isinstance(s, int) and s >= 500 and s != 503}, statuses
    outage_answers = [(s, ra) for _, s, ra in traffic.answers if s == 503]
    assert outage_answers, f"no request met the outage: {statuses}"
    assert all(ra is not None and int(ra) > 0 for _, ra in outage_answers), outage_answers
    not_ready = {n for t, n, s in readiness if killed_at < t < back_at and s == 503}
    assert "enrollment" in not_ready, readiness[-20:]
    assert traffic.acks() > acked_before
    # the events of the writes reached their consumers (funds) without being dead-lettered
    time.sleep(3.0)
    assert dead_lettered(platform) == dead_before

    counts: dict[str, int] = {}
    for _, s, _ in traffic.answers:
        counts[str(s)] = counts.get(str(s), 0) + 1
    print(
        f"store away {back_at - killed_at:.1f} s; answers {counts}; "
        f"{traffic.acks()} acknowledged ({acked_before} before the kill); "
        f"slowest answer {traffic.slowest_s:.1f} s"
    )

    # every acknowledged enrollment is stored exactly once, under the id it was answered with
    with httpx.Client(base_url=f"{enrollment.url}/v1", timeout=30) as client:
        for key, body, answer in traffic.acked:
            found = client.get("/participants", params={"curp": body["curp"]}, headers=headers)
            assert found.status_code == 200, found.text
            items = found.json()["items"]
            assert [p["id"] for p in items] == [answer["id"]], (key, body["curp"], items)
            again = client.post(
                "/participants", json=body, headers={**headers, "Idempotency-Key": key}
            )
            assert again.status_code in (200, 201) and again.json()["id"] == answer["id"]

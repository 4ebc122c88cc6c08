"""The console's page weight and speed (`make bench`, or alone:
`uv run --frozen python tests/bench/console_pages.py`).

A 200-member group is enrolled (a registration sheet, an intake sheet, its ODF); enrollment,
funds, credit and the console run as their own processes. For the group screen, the period
sheet, the approvals and the sign-in page it measures the bytes a phone receives on the first
load (the page and every stylesheet and script it links, compressed as sent) and once the
static files are cached (the page alone; the static files answer 304), and the time the
console takes to answer the group screen and the sheet (median and p90 of 15)."""

from __future__ import annotations

import random
import re
import statistics
import time
from typing import Any

import httpx

from megp_common.auth import AuthConfig, local_secret, mint_token
from megp_common.launcher import Platform
from megp_common.settings import ServiceSettings
from megp_common.testing import payloads
from megp_common.testing.enrollment_driver import Driver, ok
from megp_common.testing.keys import keyed


def header_factory() -> Any:
    """Development tokens, as the test harness mints them (`Driver` asks for this shape)."""
    settings = ServiceSettings()
    auth = AuthConfig(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        secret=local_secret(settings.jwt_secret_file),
    )

    def header(
        *roles: str, states: tuple[str, ...] = ("*",), subject: str = "bench", **claims: Any
    ) -> dict[str, str]:
        token = mint_token(auth, subject, list(roles), list(states), **claims)
        return {"Authorization": f"Bearer {token}"}

    return header


MEMBERS = 200
ROUNDS = 15
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _seed(platform: Platform, header: Any) -> dict[str, str]:
    state = f"{random.randint(1, 32):02d}"
    drive = Driver(platform.processes["enrollment"].url, header, state=state)
    group = drive.form_group()
    sheet = payloads.registration_sheet(drive.participant_body() for _ in range(MEMBERS))
    enrolled = ok(
        drive.client.post(
            "/participants/registration-sheets",
            json=sheet,
            headers=keyed("POST", drive.staff),
            timeout=300,
        ),
        201,
    )
    ids = [line["id"] for line in enrolled["participants"]]
    ok(
        drive.client.post(
            f"/groups/{group['id']}/intake-sheets",
            json=payloads.intake_sheet(ids, "sell together"),
            headers=keyed("POST", drive.staff),
            timeout=300,
        ),
        201,
    )
    ok(drive.register_odf(group["id"]), 201)
    return {"group": group["id"], "state": state}


def _weight(client: httpx.Client, path: str) -> dict[str, int]:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    cached = _wire_bytes(client, path)
    first = cached
    for asset in sorted(set(ASSET.findall(page.text))):
        first += _wire_bytes(client, asset)
        etag = client.get(asset).headers.get("etag")
        again = client.get(asset, headers={"If-None-Match": etag or ""})
        assert again.status_code == 304, (asset, again.status_code)
    return {
        "first_load_bytes": first,
        "cached_bytes": cached,
        "html_uncompressed_bytes": len(page.content),
    }


def _wire_bytes(client: httpx.Client, path: str) -> int:
    """What crosses the network for `path`, compressed as the console sends it."""
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as response:
        return sum(len(chunk) for chunk in response.iter_raw())


def _timing(client: httpx.Client, path: str) -> dict[str, float]:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50_ms": statistics.median(times),
        "p90_ms": times[int(len(times) * 0.9) - 1],
    }


def console_pages(env: dict[str, str], header: Any) -> dict[str, Any]:
    running = Platform(env, ["enrollment", "funds", "credit", "console"])
    running.start()
    try:
        world = _seed(running, header)
        console = running.processes["console"].url
        with httpx.Client(base_url=console, timeout=60) as client:
            signed = client.post(
                "/sign-in",
                data={"role": "odf_staff", "state": world["state"]},
                follow_redirects=False,
            )
            assert signed.status_code == 303, signed.text
            group = f"/groups/{world['group']}"
            pages = {
                "sign-in": "/sign-in",
                "group": group,
                "period-sheet": f"{group}/period-sheet",
                "groups": "/groups",
            }
            weights = {name: _weight(client, path) for name, path in pages.items()}
            times = {
                "group": _timing(client, group),
                "period-sheet": _timing(client, f"{group}/period-sheet"),
            }
        return {"members": MEMBERS, "pages": weights, "render": times}
    finally:
        running.stop()


def console_rows(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows = []
    for name, w in result["pages"].items():
        rows.append(
            (
                f"console {name} page",
                f"{w['first_load_bytes'] / 1024:,.1f} KiB",
                f"first load; {w['cached_bytes'] / 1024:,.1f} KiB cached",
            )
        )
    for name, t in result["render"].items():
        rows.append(
            (
                f"console {name}, {result['members']} members",
                f"{t['p50_ms']:,.0f} ms p50",
                f"p90 {t['p90_ms']:,.0f} ms",
            )
        )
    return rows


if __name__ == "__main__":
    import json
    from datetime import UTC, datetime

    from megp_common.settings import REPO_ROOT
    from megp_common.testing.infra import provide_infra

    with provide_infra() as infra:
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": infra.kafka,
            "MONGO_URL": infra.mongo,
            "ENVIRONMENT": "test",
        }
        result = console_pages(env, header_factory())
    for name, value, note in console_rows(result):
        print(f"  {name:<40} {value:>14}   {note}")
    out = REPO_ROOT / ".local" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"console-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"wrote {path.relative_to(REPO_ROOT)}")

"""Stage (g) of `make bench`: webhook deliveries to a local receiver.

The webhooks service runs as its own process (default settings); a partner bank subscribes
`n` receivers (an asyncio HTTP server in the bench process, answering 200 at once), then
`events` fund movements of that bank's fund are published on `funds.events`, each stamped with
the time it is published (the event's `time`, which a delivery's body carries as `timestamp`).
For each `n` of the subscriber counts: deliveries per second (every delivery received, from
the first publish to the last arrival) and the lag from an event's timestamp to its arrival
at each receiver, p50 and p99."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from megp_common.auth import AuthConfig, Role, local_secret, mint_token
from megp_common.bus import KafkaBus, OutgoingRecord
from megp_common.contracts import funds as fnd
from megp_common.events import EventPayload, make_event
from megp_common.launcher import Platform
from megp_common.settings import ServiceSettings


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Receiver:
    """A minimal HTTP/1.1 server: reads each request, answers 200 with no body (keep-alive),
    and notes when each delivery arrived and the timestamp its body carries."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[str, str, float, float]] = []  # path, webhook-id, at, lag
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                at = time.time()
                stamped = datetime.fromisoformat(json.loads(body)["timestamp"]).timestamp()
                self.arrivals.append((path, headers.get("webhook-id", ""), at, at - stamped))
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


def _bank_header(bank: str) -> dict[str, str]:
    settings = ServiceSettings()
    auth = AuthConfig(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        secret=local_secret(settings.jwt_secret_file),
    )
    token = mint_token(auth, "bench-bank", [Role.PARTNER_BANK], ["*"], organization=bank)
    return {"Authorization": "Bearer " + token}


def _events(fund: str, bank: str, count: int) -> list[EventPayload]:
    opened = fnd.FundOpened(
        fund_id=fund,
        group_id=fund,
        state_code="09",
        odf_id="odf-bench",
        trust_bank=bank,
        member_participant_ids=["p-bench"],
        opened_at=datetime.now(UTC),
        initial_period_ends_on=date(2027, 3, 1),
        individual_withdrawals_from=date(2030, 1, 1),
    )
    inflows: list[EventPayload] = [
        fnd.InflowRecorded(
            fund_id=fund,
            group_id=fund,
            state_code="09",
            entry_id=f"e-{n}",
            inflow_kind="member_deposit",
            amount=Decimal("10.00"),
            split=fnd.SubFundSplit(development=Decimal("10.00"), competition=Decimal("0.00")),
            members=[fnd.MemberAmount(participant_id="p-bench", amount=Decimal("10.00"))],
            recorded_at=datetime.now(UTC),
        )
        for n in range(count)
    ]
    return [opened, *inflows]


async def _publish(bus: KafkaBus, fund: str, payloads: list[EventPayload]) -> None:
    """One at a time, each stamped as it goes (a paced stream, like commits)."""
    for payload in payloads:
        made = make_event(payload, source="/megp/funds", key=fund, time=datetime.now(UTC))
        await bus.publish_many([OutgoingRecord("funds.events", fund, made.to_json(), made.type)])


async def webhook_deliveries(
    bootstrap: str, mongo: str, subscribers: list[int], events: int, timeout_s: float = 600
) -> list[dict[str, Any]]:
    env = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "MONGO_URL": mongo, "ENVIRONMENT": "test"}
    running = Platform(env, ["webhooks"])
    print("  .. webhooks: starting the webhooks service", flush=True)
    running.start()
    url = running.processes["webhooks"].url
    receiver = Receiver()
    base = await receiver.start()
    bus = KafkaBus(bootstrap, service="bench-webhooks")
    await bus.start()
    out = []
    try:
        for n in subscribers:
            tag = uuid.uuid4().hex[:8]
            bank, fund = f"Bench Bank {tag}", f"fund-bench-{tag}"
            header = _bank_header(bank)
            async with httpx.AsyncClient(base_url=url, headers=header, timeout=30) as http:
                for k in range(n):
                    made = await http.post(
                        "/v1/subscriptions",
                        json={"url": f"{base}/{tag}/{k}", "event_types": ["funds.InflowRecorded"]},
                        headers={"Idempotency-Key": uuid.uuid4().hex},
                    )
                    made.raise_for_status()
            await asyncio.sleep(3.0)  # every queue taken (leases are looked at each second)
            print(f"  .. webhooks: {events} events to {n} subscribers", flush=True)
            mark = len(receiver.arrivals)
            expected = n * events
            started = time.time()
            await _publish(bus, fund, _events(fund, bank, events))
            published = time.time() - started
            deadline = time.monotonic() + timeout_s
            mine = receiver.arrivals
            while time.monotonic() < deadline:
                got = [a for a in mine[mark:] if a[0].startswith(f"/{tag}/")]
                if len(got) >= expected:
                    break
                await asyncio.sleep(0.2)
            got = [a for a in mine[mark:] if a[0].startswith(f"/{tag}/")]
            last = max((a[2] for a in got), default=time.time())
            lags = [a[3] for a in got]
            elapsed = max(last - started, 1e-9)
            out.append(
                {
                    "subscribers": n,
                    "events": events,
                    "expected": expected,
                    "received": len(got),
                    "distinct": len({(a[0], a[1]) for a in got}),
                    "publish_s": published,
                    "elapsed_s": elapsed,
                    "deliveries_per_s": len(got) / elapsed,
                    "lag_p50_ms": _pct(lags, 0.5) * 1000,
                    "lag_p99_ms": _pct(lags, 0.99) * 1000,
                }
            )
    finally:
        await bus.stop()
        await receiver.stop()
        running.stop()
    return out


def webhook_rows(results: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [
        (
            f"webhooks, {r['subscribers']} subscribers",
            f"{r['deliveries_per_s']:,.1f} dlv/s",
            f"{r['received']}/{r['expected']} received ({r['distinct']} distinct) in "
            f"{r['elapsed_s']:.1f} s, lag from commit p50 {r['lag_p50_ms']:.0f} ms, "
            f"p99 {r['lag_p99_ms']:.0f} ms",
        )
        for r in results
    ]

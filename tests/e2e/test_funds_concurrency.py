"""Many clients depositing into one fund at the same time (issue 18), against the funds service
as its own process on the real broker and store: every valid deposit is accepted the first time,
posted exactly once (one balanced journal entry, one InflowRecorded, its obligations settled in
turn), a repeated key replays its entry, and a refused deposit does not disturb the others."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from decimal import Decimal

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from megp_common.auth import Role
from megp_common.events import EventEnvelope
from megp_common.ids import new_id

from .test_funds_flows import _h, _open, platform_kafka
from .test_funds_support import STATE, Group, eventually, far_future, publish

pytestmark = pytest.mark.e2e

OWED = Decimal("1000")  # each member's obligation, more than all their deposits here


def _amount(k: int, i: int) -> Decimal:
    return Decimal("10.00") + Decimal(k % 7) + Decimal(i) / 100


async def _flood(
    url: str, tokens, group: Group, clients: int, per_client: int, *, bad_every: int = 0
) -> list[tuple[int, int, dict[str, object], httpx.Response]]:  # type: ignore[no-untyped-def]
    """`clients` ODF staff members at once, each posting `per_client` deposits one after the
    other; every client's first deposit is sent twice at the same time under the same key, and
    every `bad_every`-th client also posts a deposit for a stranger (refused)."""
    base = f"/v1/funds/{group.group_id}/deposits"
    # idle connections are dropped here before the server's keep-alive (uvicorn's 5 s) closes
    # them: a request sent on a connection the server is closing fails unread (a ReadError)
    limits = httpx.Limits(
        max_connections=clients * 2, max_keepalive_connections=clients * 2, keepalive_expiry=2.0
    )
    out: list[tuple[int, int, dict[str, object], httpx.Response]] = []
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:

        async def client(k: int) -> None:
            auth = tokens.header(Role.ODF_STAFF, states=(STATE,), subject=f"staff-{k}")
            for i in range(per_client):
                line = {
                    "participant_id": group.members[(k + i) % len(group.members)],
                    "amount": str(_amount(k, i)),
                }
                headers = auth | {"Idempotency-Key": f"dep-{k}-{i}"}
                bodies = [(line, headers)] * (2 if i == 0 else 1)
                if bad_every and k % bad_every == 0 and i == 0:
                    stranger = {"participant_id": f"p-{new_id()}", "amount": "5"}
                    bodies.append((stranger, auth | {"Idempotency-Key": f"bad-{k}"}))
                replies = await asyncio.gather(
                    *(http.post(base, json=body, headers=h) for body, h in bodies)
                )
                out.extend((k, i, b, r) for (b, _), r in zip(bodies, replies, strict=True))

        await asyncio.gather(*(client(k) for k in range(clients)))
    return out


def _funds_events_of(group_id: str, kind: str, count: int) -> list[EventEnvelope]:
    return asyncio.run(_read_events(group_id, kind, count))


async def _read_events(group_id: str, kind: str, count: int) -> list[EventEnvelope]:
    """The group's events of `kind` on funds.events, once `count` distinct ones arrived (or
    60 s). The relay delivers at least once: an event may be on the topic twice, same id."""
    consumer = AIOKafkaConsumer(
        "funds.events",
        bootstrap_servers=platform_kafka(),
        group_id=None,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[EventEnvelope] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len({e.id for e in found}) < count:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    env = EventEnvelope.from_json(record.value)
                    if env.partitionkey == group_id and env.type == f"funds.{kind}":
                        found.append(env)
        return found
    finally:
        await consumer.stop()


def _deposits_to_one_fund(platform, tokens, clients: int, per_client: int, day: int) -> None:  # type: ignore[no-untyped-def]
    group, start = Group(members=[f"p-{new_id()}" for _ in range(8)]), far_future(day)
    url = _open(platform, tokens, group, start)
    base, read = f"{url}/v1/funds/{group.group_id}", _h(tokens, Role.PROGRAMME_SUPERVISOR)
    owed = [group.period_closed(p, str(OWED), start.date(), start) for p in group.members]
    publish(platform_kafka(), "enrollment.events", owed)
    eventually(lambda: len(httpx.get(f"{base}/obligations", headers=read).json()) == 8)

    sent = asyncio.run(_flood(url, tokens, group, clients, per_client, bad_every=4))

    statuses = Counter(resp.status_code for _, _, _, resp in sent)
    members = set(group.members)
    bad = [resp for _, _, line, resp in sent if line["participant_id"] not in members]
    good = [(k, i, line, resp) for k, i, line, resp in sent if line["participant_id"] in members]
    expected_bad = len(range(0, clients, 4))
    assert statuses == {201: clients * (per_client + 1), 422: expected_bad}, statuses
    assert all(r.status_code == 422 for r in bad) and len(bad) == expected_bad
    by_key: dict[tuple[int, int], list[dict[str, object]]] = {}
    for k, i, _, resp in good:
        by_key.setdefault((k, i), []).append(resp.json())
    assert all(len({b["id"] for b in bodies}) == 1 for bodies in by_key.values())  # replays
    entries = {bodies[0]["id"]: bodies[0] for bodies in by_key.values()}
    total = clients * per_client
    assert len(entries) == total  # one entry per key, none for the refused
    assert sorted(int(e["seq"]) for e in entries.values()) == list(range(1, total + 1))

    deposited: dict[str, Decimal] = {}
    for (k, i), _ in by_key.items():
        member = group.members[(k + i) % len(group.members)]
        deposited[member] = deposited.get(member, Decimal(0)) + _amount(k, i)
    check = httpx.get(f"{base}/ledger-check", headers=read).json()
    assert check["consistent"] and check["entries"] == total, check
    statement = httpx.get(f"{base}/statement", headers=read).json()
    assert Decimal(statement["trust_cash"]) == sum(deposited.values())
    outstanding = {
        o["participant_id"]: Decimal(o["outstanding"])
        for o in httpx.get(f"{base}/obligations", headers=read).json()
    }
    assert outstanding == {m: OWED - d for m, d in deposited.items()}

    for kind in ("InflowRecorded", "DepositObligationsSettled"):  # one event per deposit
        found = _funds_events_of(group.group_id, kind, total)
        ids_by_entry: dict[str, set[str]] = {}
        for e in found:
            ids_by_entry.setdefault(e.data["entry_id"], set()).add(e.id)
        assert set(ids_by_entry) == set(entries), kind
        assert all(len(ids) == 1 for ids in ids_by_entry.values()), kind
    page = httpx.get(f"{base}/journal", params={"limit": 200}, headers=read).json()
    assert {e["id"] for e in page["items"]} == set(entries)


def test_16_clients_depositing_into_one_fund_are_all_accepted_once(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    _deposits_to_one_fund(platform, tokens, clients=16, per_client=4, day=11)


def test_64_clients_depositing_into_one_fund_are_all_accepted_once(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    _deposits_to_one_fund(platform, tokens, clients=64, per_client=2, day=12)

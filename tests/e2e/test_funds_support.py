"""Helpers of the funds end-to-end tests: enrollment's and credit's events published to the real
broker (what the funds consumer sees), funds' events read back, and a few HTTP shortcuts."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer

from megp_common.auth import Role
from megp_common.bus import KafkaBus, OutgoingRecord
from megp_common.contracts import credit, enrollment
from megp_common.events import EventEnvelope, EventPayload, make_event
from megp_common.ids import new_id
from megp_common.testing.waits import EVENT_WAIT_S

STATE = "09"


def publish(bootstrap: str, topic: str, envelopes: list[EventEnvelope]) -> None:
    asyncio.run(_publish(bootstrap, topic, envelopes))


async def _publish(bootstrap: str, topic: str, envelopes: list[EventEnvelope]) -> None:
    bus = KafkaBus(bootstrap, service="funds-e2e")
    await bus.start()
    try:
        await bus.publish_many(
            [OutgoingRecord(topic, e.partitionkey, e.to_json(), e.type) for e in envelopes]
        )
    finally:
        await bus.stop()


def envelope(payload: EventPayload, key: str, source: str, at: datetime) -> EventEnvelope:
    return make_event(payload, source=source, key=key, time=at, subject=key, state=STATE)


def funds_events(
    bootstrap: str, group_id: str, want: set[str], topic: str = "funds.events"
) -> list[EventEnvelope]:
    return asyncio.run(_funds_events(bootstrap, group_id, want, topic))


async def _funds_events(
    bootstrap: str, group_id: str, want: set[str], topic: str
) -> list[EventEnvelope]:
    """Every event of `group_id` on the topic (funds' unless told), once each type in `want`
    showed up; each event once, as a consumer sees it. The bus delivers at least once: a relay
    may publish an entry twice (its sweep and its fast path both found it, or another process's
    sweep did), and consumers drop the repeat by its id, so a test of what the platform
    announced counts distinct ids. Two events for one thing still fail a test that wants one:
    their ids differ."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    found: list[EventEnvelope] = []
    seen: set[str] = set()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    env = EventEnvelope.from_json(record.value)
                    if env.partitionkey == group_id and env.id not in seen:
                        seen.add(env.id)
                        found.append(env)
            if want <= {e.type.split(".")[1] for e in found}:
                break
        return found
    finally:
        await consumer.stop()


@dataclass
class Group:
    """A formed project group with a board, announced on enrollment.events."""

    group_id: str = field(default_factory=lambda: f"g-{new_id()}")
    odf_id: str = field(default_factory=lambda: f"odf-{new_id()}")
    members: list[str] = field(default_factory=lambda: [f"p-{new_id()}" for _ in range(3)])
    bank: str = "Banorte"

    @property
    def rep(self) -> str:
        return self.members[0]

    def formed(self, at: datetime) -> list[EventEnvelope]:
        src = "/megp/enrollment"
        events: list[EventEnvelope] = [
            envelope(
                enrollment.ProjectGroupFormed(
                    group_id=self.group_id,
                    project_id=f"pr-{self.group_id}",
                    name="Tejedoras",
                    state_code=STATE,
                    municipality="Coyoacán",
                    odf_id=self.odf_id,
                    odf_legal_name="Tejedoras ODF SA",
                    rfc="TOD010101AAA",
                    trust_bank=self.bank,
                    member_participant_ids=self.members,
                    formed_at=at,
                ),
                self.group_id,
                src,
                at,
            ),
            envelope(
                enrollment.BoardChanged(
                    group_id=self.group_id,
                    odf_id=self.odf_id,
                    representative_participant_ids=[self.rep],
                    special_members=[],
                    changed_at=at,
                ),
                self.group_id,
                src,
                at,
            ),
        ]
        return events

    def period_closed(self, pid: str, due: str, end: date, at: datetime) -> EventEnvelope:
        result = enrollment.MemberPeriodResult(
            result_id=f"r-{new_id()}",
            plan_id="plan",
            participant_id=pid,
            period_start=end.replace(day=1),
            period_end=end,
            income="2000",
            baseline="1000",
            incremental_income="1000",
            deposit_due=due,
            odf_share="250",
        )
        payload = enrollment.BusinessPeriodClosed(
            group_id=self.group_id,
            odf_id=self.odf_id,
            state_code=STATE,
            result=result,
            closed_at=at,
        )
        return envelope(payload, self.group_id, "/megp/enrollment", at)

    def instalment(self, loan: str, n: int, total: str, due: date, at: datetime) -> EventEnvelope:
        payload = credit.InstallmentDue(
            loan_id=loan,
            installment_number=n,
            group_id=self.group_id,
            borrower_kind="participant",
            borrower_id=self.members[1],
            due_date=due,
            principal=total,
            interest="0",
            total=total,
            state_code=STATE,
        )
        return envelope(payload, self.group_id, "/megp/credit", at)


def set_clock(url: str, tokens: Any, instant: datetime) -> None:
    resp = httpx.put(
        f"{url}/v1/admin/clock",
        json={"instant": instant.isoformat(), "rewind": True},
        headers=tokens.header(Role.PROGRAMME_SUPERVISOR),
    )
    assert resp.status_code == 200, resp.text
    version = resp.json()["version"]
    deadline = time.monotonic() + 10
    reader = tokens.header(Role.PROGRAMME_SUPERVISOR)
    while httpx.get(f"{url}/v1/admin/clock", headers=reader).json()["version"] < version:
        assert time.monotonic() < deadline, "the funds service did not see the clock move"
        time.sleep(0.1)


def far_future(days: int = 0) -> datetime:
    """A time no other test uses: the shared clock is frozen there for this test."""
    base = datetime(2045, 1, 1, 12, tzinfo=UTC) + timedelta(days=int(time.time()) % 20000)
    return base + timedelta(days=days)


def eventually(check: Any, within_s: float = EVENT_WAIT_S) -> Any:
    deadline = time.monotonic() + within_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.3)


def body(resp: httpx.Response) -> Any:
    return orjson.loads(resp.content)

"""Trade's completed sales become a member's period income, through the real broker: the
producer's part of each SaleCompleted on `trade.events` is counted (once, however often it is
delivered) in the open period of the member's business plan, the group closes the period over
HTTP with the other income typed, and the closing's incremental income, fund deposit (10 %) and
ODF share (25 %) include the sales; funds announces the deposit. A sale for a closed period is
kept apart, one without a plan is the group period's unplanned revenue, and one not in pesos is
dead-lettered."""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from megp_common.contracts import trade
from megp_common.events import EventEnvelope, make_event
from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver, ok

from .test_funds_support import eventually, funds_events, publish

pytestmark = pytest.mark.e2e


def kafka() -> str:
    return os.environ["KAFKA_BOOTSTRAP_SERVERS"]


@pytest.fixture
def drive(platform: Platform, tokens: Any) -> Driver:
    return Driver(
        platform.processes["enrollment"].url, tokens.header, state=f"{random.randint(1, 32):02d}"
    )


def sale(
    group: dict[str, Any],
    producer: str,
    part: str,
    on: date,
    *,
    currency: str = "MXN",
    state: str,
) -> EventEnvelope:
    payload = trade.SaleCompleted(
        order_id=f"order-{uuid.uuid4()}",
        producer_id=producer,
        group_id=group["id"],
        odf_id=group["development_organization"]["odf_id"],
        state_code=state,
        channel="online",
        amount=Decimal(part) * 2,
        producer_part=Decimal(part),
        channel_fee=Decimal(part) / 2,
        logistics=Decimal(part) / 2,
        currency=currency,
        completed_on=on,
    )
    return make_event(
        payload, source="/megp/trade", key=group["id"], time=datetime.now(UTC), state=state
    )


def dead_letters(event_ids: set[str]) -> list[tuple[EventEnvelope, dict[str, bytes]]]:
    return asyncio.run(_dead_letters(event_ids))


async def _dead_letters(event_ids: set[str]) -> list[tuple[EventEnvelope, dict[str, bytes]]]:
    consumer = AIOKafkaConsumer(
        "enrollment.dlq", bootstrap_servers=kafka(), group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    found: list[tuple[EventEnvelope, dict[str, bytes]]] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and {e.id for e, _ in found} < event_ids:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    env = EventEnvelope.from_json(record.value)
                    if env.id in event_ids:
                        found.append((env, dict(record.headers)))
        return found
    finally:
        await consumer.stop()


def member_row(period: dict[str, Any], participant_id: str) -> dict[str, Any]:
    (row,) = [m for m in period["members"] if m["participant_id"] == participant_id]
    return row


def test_sales_are_counted_once_in_the_period_closed_over_http(drive: Driver) -> None:
    group, members = drive.active_group()
    seller, other, unplanned = members[:3]
    start = drive.first_of_next_month(drive.today())
    drive.agree_plan(group["id"], seller, start, baseline="1000.00")
    drive.agree_plan(group["id"], other, start, baseline="500.00")
    drive.move_clock_to(start + timedelta(days=5))
    state = group["state_code"]
    first = sale(group, seller, "150.25", start + timedelta(days=1), state=state)
    second = sale(group, seller, "49.76", start + timedelta(days=2), state=state)
    in_dollars = sale(
        group, seller, "10.00", start + timedelta(days=2), currency="USD", state=state
    )
    stranger = sale(group, unplanned, "80.00", start + timedelta(days=3), state=state)
    # one key, one partition: in order, so when `second` shows, the redelivery was handled
    publish(kafka(), "trade.events", [first, first, in_dollars, stranger, second])

    period_url = f"/groups/{group['id']}/periods/{start.isoformat()}"

    def counted() -> dict[str, Any] | None:
        response = drive.client.get(period_url, headers=drive.staff)
        if response.status_code != 200:
            return None
        body: dict[str, Any] = response.json()
        counted_ids = {s["sale_id"] for m in body["members"] for s in m["sales_counted"]}
        return body if second.id in counted_ids else None

    open_period = eventually(counted)
    row = member_row(open_period, seller)
    assert [s["sale_id"] for s in row["sales_counted"]] == [first.id, second.id]  # once each
    assert (row["sales"], row["income_typed"], row["income"]) == ("200.01", None, None)
    assert [s["participant_id"] for s in open_period["unplanned_sales"]] == [unplanned]
    assert open_period["unplanned_sales"][0]["producer_part"] == "80.00"
    [(_, headers)] = dead_letters({in_dollars.id})
    assert headers["x-error-type"] == b"PermanentError" and b"USD" in headers["x-error-message"]

    drive.move_clock_to(drive.first_of_next_month(start) + timedelta(days=1))
    sheet = {
        "period_start": start.isoformat(),
        "incomes": [
            {"participant_id": seller, "income": "1000.00"},
            {"participant_id": other, "income": "600.00"},
        ],
    }
    closed = ok(
        drive.client.post(
            f"/groups/{group['id']}/period-closings",
            json=sheet,
            headers=drive.staff | {"Idempotency-Key": str(uuid.uuid4())},
        ),
        201,
    )
    row = member_row(closed, seller)
    result = row["result"]
    assert (row["income_typed"], row["sales"], row["income"]) == ("1000.00", "200.01", "1200.01")
    assert (
        result["income"],
        result["income_typed"],
        result["sales"],
        result["incremental_income"],
        result["deposit_due"],
        result["odf_share"],
    ) == ("1200.01", "1000.00", "200.01", "200.01", "20.00", "50.00")  # 50.0025 -> 50.00
    plain = member_row(closed, other)["result"]
    assert (plain["income"], plain["sales"], plain["deposit_due"]) == ("600.00", "0.00", "10.00")

    late = sale(group, seller, "300.00", start + timedelta(days=20), state=state)
    publish(kafka(), "trade.events", [late, late])

    def kept() -> dict[str, Any] | None:
        body: dict[str, Any] = ok(drive.client.get(period_url, headers=drive.staff))
        return body if member_row(body, seller)["late_sales"] else None

    after_late = member_row(eventually(kept), seller)
    assert [s["sale_id"] for s in after_late["late_sales"]] == [late.id]
    assert after_late["result"] == result  # the closed result stands

    found = funds_events(kafka(), group["id"], {"DepositObligationsCreated"})
    created = [e for e in found if e.type == "funds.DepositObligationsCreated"]
    owed = {o["participant_id"]: o["amount"] for e in created for o in e.data["obligations"]}
    assert owed[seller] == "20.00" and owed[other] == "10.00"
    assert any(
        o["obligation_id"] == result["result_id"] for e in created for o in e.data["obligations"]
    )

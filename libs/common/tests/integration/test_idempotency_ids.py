"""Stored answers never cross callers, whatever their subjects and keys hold (against the real
store): caller "a" with key "b:c" and caller "a:b" with key "c" used to share one record, so the
second was replayed the first's answer; now each runs its own request. A record stored under the
earlier id format is still replayed to its own caller and payload for a day, then never."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from megp_common.clock import SettableClock
from megp_common.idempotency import LEGACY_WINDOW, IdempotencyStore, Once, request_hash
from megp_common.ids import new_id
from megp_common.testing.infra import Infra
from megp_common.web import answer_once

pytestmark = pytest.mark.integration

NOW = datetime(2031, 5, 4, 12, tzinfo=UTC)


class Bench:
    def __init__(self, store: IdempotencyStore, col: Any, clock: SettableClock) -> None:
        self.store, self.col, self.clock = store, col, clock
        self.runs: list[str] = []

    async def pay(self, once: Once, amount: str = "100.00") -> tuple[int, Any]:
        async def operation() -> tuple[int, Any]:
            self.runs.append(once.caller)
            return 201, {"paid_by": once.caller, "amount": amount}

        return await answer_once(self.store, once, {"amount": amount}, operation)

    async def legacy_record(self, once: Once, created: datetime, amount: str = "100.00") -> None:
        """The record the earlier format stored: its id the raw join of the three parts."""
        await self.col.insert_one(
            {
                "_id": f"{once.scope}:{once.caller}:{once.key}",
                "request_hash": request_hash({"amount": amount}),
                "status": 201,
                "body": f'{{"paid_by":"{once.caller}","amount":"{amount}","kept":"legacy"}}',
                "created_at": created,
            }
        )


@pytest.fixture
async def bench(infra: Infra) -> AsyncIterator[Bench]:
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient[Any] = AsyncMongoClient(infra.mongo)
    db = client[f"idem_ids_{new_id()[-12:]}"]
    clock = SettableClock()
    clock.set(NOW)
    try:
        yield Bench(IdempotencyStore(db["idempotency"], clock), db["idempotency"], clock)
    finally:
        await client.drop_database(db.name)
        await client.close()


async def test_callers_whose_subject_and_key_join_alike_get_their_own_answers(
    bench: Bench,
) -> None:
    first, second = Once("funds:deposit:F", "a", "b:c"), Once("funds:deposit:F", "a:b", "c")
    assert await bench.pay(first) == (201, {"paid_by": "a", "amount": "100.00"})
    # the earlier format gave both "funds:deposit:F:a:b:c" and replayed "a"'s answer here
    assert await bench.pay(second) == (201, {"paid_by": "a:b", "amount": "100.00"})
    assert bench.runs == ["a", "a:b"]
    # each retry replays its own
    assert (await bench.pay(first))[1]["paid_by"] == "a"
    assert (await bench.pay(second))[1]["paid_by"] == "a:b"
    assert bench.runs == ["a", "a:b"]
    assert await bench.col.count_documents({}) == 2
    assert first.new_id() != second.new_id()


async def test_a_plain_callers_record_keeps_its_id(bench: Bench) -> None:
    once = Once("trade.orders", "portal-7", "k-1")
    await bench.pay(once)
    assert await bench.col.find_one({"_id": "trade.orders:portal-7:k-1"}) is not None


async def test_a_record_of_the_earlier_format_is_replayed_for_a_day(bench: Bench) -> None:
    recent = Once("funds:deposit:F", "bank:nafin", "dep:1")
    await bench.legacy_record(recent, NOW - timedelta(hours=3))
    status, body = await bench.pay(recent)
    assert (status, body["kept"], bench.runs) == (201, "legacy", [])

    stale = Once("funds:deposit:F", "bank:nafin", "dep:2")
    await bench.legacy_record(stale, NOW - LEGACY_WINDOW - timedelta(minutes=1))
    assert await bench.pay(stale) == (201, {"paid_by": "bank:nafin", "amount": "100.00"})
    assert bench.runs == ["bank:nafin"]


async def test_an_earlier_format_record_of_another_payload_is_not_taken_for_this_key(
    bench: Bench,
) -> None:
    """Such a record may be another caller's (the raw join is ambiguous): it neither replays
    nor refuses this request as a reused key; the request runs."""
    once = Once("funds:deposit:F", "a:b", "c")
    await bench.legacy_record(Once("funds:deposit:F", "a", "b:c"), NOW, amount="999.00")
    assert await bench.pay(once) == (201, {"paid_by": "a:b", "amount": "100.00"})
    assert bench.runs == ["a:b"]

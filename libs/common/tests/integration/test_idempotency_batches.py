"""The idempotency store's coalesced lookups and inserts against the real store: forty keyed
answers asked for and remembered at once cost a few commands, a key another request took first
is answered with that request's answer (also inside a batch), and each lookup finds its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from pymongo.errors import WriteError

from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import StoreWrites, counting_client
from megp_common.web import IdempotencyStore

pytestmark = pytest.mark.integration


@pytest.fixture
async def store(infra: Infra) -> AsyncIterator[tuple[IdempotencyStore, StoreWrites]]:
    client, counted = counting_client(infra.mongo)
    db = client[f"idem_{new_id()[-12:]}"]
    try:
        yield IdempotencyStore(db["idempotency"], SettableClock()), counted
    finally:
        await client.drop_database(db.name)
        await client.close()


async def test_answers_of_the_moment_are_found_and_kept_in_a_few_commands(
    store: tuple[IdempotencyStore, StoreWrites],
) -> None:
    idem, counted = store
    await idem.remember("pay", "k-07", "hash-first", 201, {"by": "first"})  # taken before
    counted.taken(), counted.reads_taken()

    keys = [f"k-{i:02}" for i in range(40)]
    found = await asyncio.gather(*(idem.find("pay", k) for k in keys))
    assert [f is not None for f in found] == [k == "k-07" for k in keys]
    kept = await asyncio.gather(
        *(idem.remember("pay", k, f"hash-{k}", 201, {"by": k}) for k in keys)
    )
    # every key is answered with its own record, and k-07 with the one that took it first
    assert [(s.request_hash, s.body) for s in kept] == [
        ("hash-first", {"by": "first"}) if k == "k-07" else (f"hash-{k}", {"by": k}) for k in keys
    ]
    writes, reads = counted.taken(), counted.reads_taken()
    # one by one: 40 finds and 40 inserts; coalesced: the first alone, then the rest together
    # (and k-07's read of the record that beat it)
    assert writes["idempotency"] <= 3, writes
    assert reads["idempotency"] <= 4, reads
    again = await asyncio.gather(*(idem.find("pay", k) for k in keys))
    assert [s is not None and s.body == r.body for s, r in zip(again, kept, strict=True)] == [
        True
    ] * 40
    other_scope = await idem.find("refund", "k-01")
    assert other_scope is None


async def test_a_record_the_store_refuses_fails_its_own_request_only(
    store: tuple[IdempotencyStore, StoreWrites],
) -> None:
    """A batch's insert answered per record: landed, its key taken, or refused for its own
    reason (here a field name the store rejects, standing for any per-record refusal), which
    fails that request alone while the others of the batch land."""
    idem, _ = store
    await idem._insert_many([{"_id": "taken"}])
    answers = await idem._insert_many(
        [{"_id": "a"}, {"_id": "b", "$bad": 1}, {"_id": "c"}, {"_id": "taken"}]
    )
    assert answers[0] is True and answers[2] is True and answers[3] is False
    assert isinstance(answers[1], WriteError)
    assert await idem._col.count_documents({}) == 3

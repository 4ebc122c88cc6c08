"""Members stating their demands in a purchasing round at the same time, against the real store,
through the route's idempotency wrapper: every demand lands (the pooled quantity is their sum),
each caller's answer holds their own demand, and the round is written a few times, not once per
demand (its line in `Services.round_writer`, megp_common.writer). A demand the rules refuse (not
a member) is answered with its refusal and leaves the others to commit; a retry replays."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from megp_common.auth import Principal, Role
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import StoreWrites, counting_client
from trade.bootstrap import build_services
from trade.config import Settings
from trade.domain.commands import OpenRound, StateDemand
from trade.domain.errors import TradeRuleViolation
from trade.domain.group import GroupRecord
from trade.entrypoints.api.deps import keyed
from trade.entrypoints.api.schemas.rounds import RoundPublic
from trade.service_layer import rounds
from trade.service_layer.container import Services

pytestmark = pytest.mark.integration

NOW = datetime(2027, 3, 15, 12, tzinfo=UTC)
STATE, GROUP, ODF_ID = "20", "g-20", "odf-20"
MEMBERS = [f"m-{i:02}" for i in range(40)]
STAFF = Principal("staff-20", frozenset({Role.ODF_STAFF}), frozenset({STATE}), organization=ODF_ID)


def member(pid: str) -> Principal:
    return Principal(pid, frozenset({Role.PARTICIPANT}), frozenset({STATE}), participant_id=pid)


async def _demand(services: Services, round_id: str, pid: str, quantity: int) -> Any:
    who = member(pid)

    async def run(_: str) -> tuple[int, RoundPublic]:
        command = StateDemand(round_id, pid, GROUP, quantity)
        return 200, RoundPublic.of(await rounds.state_demand(services, who, command))

    body = {"participant_id": pid, "group_id": GROUP, "quantity": quantity}
    resp = await keyed(services, who, f"demand:{round_id}", f"k-{pid}", body, run)
    return json.loads(bytes(resp.body))


#: trade's services on a database of its own (the clock at NOW), and the commands counted
Bench = tuple[Services, SettableClock, StoreWrites]


@pytest.fixture
async def bench(infra: Infra) -> AsyncIterator[Bench]:
    client, counted = counting_client(infra.mongo)
    db = client[f"trade_rounds_{new_id()[-12:]}"]
    clock = SettableClock()
    clock.set(NOW)
    outbox = OutboxWriter(service="trade", topic="trade.events", clock=clock)
    try:
        yield build_services(Settings(), clock, db, outbox), clock, counted
    finally:
        await client.drop_database(db.name)
        await client.close()


async def test_demands_stated_at_once_all_land_in_a_few_writes(bench: Bench) -> None:
    services, clock, counted = bench
    await services.groups.add(
        GroupRecord(id=GROUP, state=STATE, odf_id=ODF_ID, members=MEMBERS[:-1])
    )
    command = OpenRound((GROUP,), "hilo", "raw_material", "kg", NOW + timedelta(days=10))
    rnd = await rounds.open_round(services, STAFF, command, new_id())
    counted.taken(), counted.reads_taken()

    wanted = {pid: 2 + i for i, pid in enumerate(MEMBERS)}
    outcomes = await asyncio.gather(
        *(_demand(services, rnd.id, pid, q) for pid, q in wanted.items()),
        return_exceptions=True,
    )
    # the last one is no member of the group: refused, and the others commit without it
    assert isinstance(outcomes[-1], TradeRuleViolation)
    for pid, answer in zip(MEMBERS[:-1], outcomes[:-1], strict=True):
        assert isinstance(answer, dict), answer
        mine = [d for d in answer["demands"] if d["participant_id"] == pid]
        assert [d["quantity"] for d in mine] == [wanted[pid]]
    writes, reads = counted.taken(), counted.reads_taken()
    # 39 demands, and on the first run: the round 2 writes and 4 reads (a batch per write
    # under way, and the checks' shared views), the group 2 reads, the idempotency records
    # 1 lookup and 2 inserts (megp_common.coalesce). One by one it was 39 writes and 40+
    # reads of the round (and lost races, some refused after 8 retries), 40 of the group,
    # 40 lookups and 39 inserts.
    assert writes["purchasing_rounds"] <= len(MEMBERS) // 4, writes
    assert reads["purchasing_rounds"] <= len(MEMBERS) // 4, reads
    assert reads["groups"] <= len(MEMBERS) // 4, reads
    assert writes["idempotency"] <= len(MEMBERS) // 4, writes
    assert reads["idempotency"] <= len(MEMBERS) // 4, reads

    clock.set(NOW + timedelta(days=10))  # its closing date
    closed = await rounds.close_round(services, STAFF, rnd.id)
    assert closed.pooled_quantity == sum(q for p, q in wanted.items() if p != MEMBERS[-1])

    counted.taken()
    # a retry of one of them replays its answer and writes nothing more
    again = await _demand(services, rnd.id, MEMBERS[0], wanted[MEMBERS[0]])
    assert again == outcomes[0]
    assert counted.taken() == {}


async def test_the_scheduler_closes_a_round_whose_demands_are_being_committed(
    bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler's tick for the closing date meets members' demands on the round's line
    (stated just before it, their batch still committing). The closing takes the same line, so
    it closes the round in that tick, in one order with the demands: it used to read the round
    beside the batch, lose the version check to it, log "closed by another writer" and leave
    the round open until the next tick. The pooled quantity is exactly the demands answered as
    stated. (The closing's write is slowed, so that the batch would win the race.)"""
    services, _, _ = bench
    await services.groups.add(GroupRecord(id=GROUP, state=STATE, odf_id=ODF_ID, members=MEMBERS))
    closes_at = NOW + timedelta(days=10)
    command = OpenRound((GROUP,), "hilo", "raw_material", "kg", closes_at)
    rnd = await rounds.open_round(services, STAFF, command, new_id())
    save = services.rounds.save

    async def slow_closing(aggregate: Any, *args: Any, **kwargs: Any) -> None:
        if aggregate.status.value == "closed":
            await asyncio.sleep(0.3)
        await save(aggregate, *args, **kwargs)

    monkeypatch.setattr(services.rounds, "save", slow_closing)
    *outcomes, closed_now = await asyncio.gather(
        *(_demand(services, rnd.id, pid, 3) for pid in MEMBERS),
        rounds.close_due(services, closes_at),
        return_exceptions=True,
    )
    assert closed_now == 1, closed_now
    landed = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if not isinstance(o, dict)]
    assert all("closed" in str(o) for o in refused), refused
    stored = await services.rounds.get(rnd.id)
    assert stored.status.value == "closed"
    assert stored.pooled_quantity == 3 * len(landed)

"""The fund writer against the real store: concurrent deposits to one fund are committed together
(fewer writes than deposits), each with its own entry, event and cause; a refused one leaves the
others alone; a commit another process got in first is redone, and only a fund that stays
contended is refused, with Retry-After."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from funds.adapters.journal import Journal, JournalCopier, ObligationArchive
from funds.adapters.month_ends import MonthEnds
from funds.adapters.participants import ParticipantDirectory
from funds.adapters.reconciliations import ReconciliationRepository
from funds.adapters.repositories import FundRepository, SpendingRequestRepository
from funds.domain import deposits, opening
from funds.domain.fund import Fund, new_fund
from funds.domain.ledger import Entry
from funds.domain.policy import FundPolicy
from funds.entrypoints.api.deps import check_fund_to_change
from funds.service_layer.container import Services, post_entry
from funds.service_layer.writer import FundWriter
from megp_common.auth import Principal, Role
from megp_common.clock import SettableClock
from megp_common.context import causal_context
from megp_common.errors import Conflict, ValidationFailed
from megp_common.ids import new_id
from megp_common.mongo import Document, OutboxWriter, make_client, outbox_entries
from megp_common.retry import Backoff
from megp_common.testing.infra import Infra
from megp_common.web import IdempotencyStore

AT = datetime(2032, 3, 1, 12, tzinfo=UTC)
MEMBERS = [f"p-{i}" for i in range(8)]


@dataclass
class Setup:
    db: AsyncDatabase[Document]
    services: Services
    fund_id: str


@pytest.fixture
async def setup(infra: Infra) -> AsyncIterator[Setup]:
    client = make_client(infra.mongo)
    db = client[f"funds_writer_{new_id()[-12:]}"]
    clock = SettableClock()
    clock.set(AT)
    outbox = OutboxWriter(service="funds", topic="funds.events", clock=clock)
    funds = FundRepository(db, outbox, FundPolicy())
    journal, archive = Journal(db), ObligationArchive(db)
    services = Services(
        funds=funds,
        journal=journal,
        copier=JournalCopier(db, journal, 1.0, archive),
        participants=ParticipantDirectory(db),
        idempotency=IdempotencyStore(db["idempotency"], clock),
        clock=clock,
        policy=FundPolicy(),
        archive=archive,
        spending=SpendingRequestRepository(db, outbox),
        reconciliations=ReconciliationRepository(db),
        month_ends=MonthEnds(db),
    )
    fund = new_fund(f"g-{new_id()}")
    opening.open_fund(
        fund, odf_id="odf", name="Tejedoras", state="09", municipality="Coyoacán",
        trust_bank="Banorte", members=MEMBERS, formed_at=AT, policy=FundPolicy(),
    )  # fmt: skip
    await funds.add(fund)
    try:
        yield Setup(db, services, fund.id)
    finally:
        await client.drop_database(db.name)
        await client.close()


async def _deposit(s: Setup, key: str, member: str, amount: str) -> Entry:
    items = [deposits.Deposit(member, Decimal(amount))]

    def action(f: Fund, eid: str, k: str) -> Entry | None:
        return deposits.record_deposits(f, eid, k, items, AT, FundPolicy())

    with causal_context(f"corr-{key}"):
        return await post_entry(s.services, s.fund_id, "deposit", key, action)


async def test_concurrent_deposits_are_committed_together_each_with_its_own_entry_and_cause(
    setup: Setup,
) -> None:
    keys = [f"k{i}" for i in range(40)]
    calls = [_deposit(setup, k, MEMBERS[i % 8], "10") for i, k in enumerate(keys)]
    calls.insert(20, _deposit(setup, "stranger", "p-nobody", "10"))
    calls.append(_deposit(setup, "k3", MEMBERS[3], "10"))  # the same key again, at once
    outcomes = await asyncio.gather(*calls, return_exceptions=True)

    refused = outcomes.pop(20)
    assert isinstance(refused, ValidationFailed), refused
    assert all(isinstance(o, Entry) for o in outcomes), outcomes
    entries = [o for o in outcomes if isinstance(o, Entry)]
    assert entries[-1] == entries[3]  # the repeated key got the first one's entry
    assert sorted(e.seq for e in entries[:-1]) == list(range(1, 41))
    fund = await setup.services.funds.get(setup.fund_id)
    assert fund.balance("trust_cash") == 40 * 1000
    assert fund.version - 1 <= 20  # group commits: two deposits or more per write
    doc = await setup.db["funds"].find_one({"_id": setup.fund_id})
    assert doc is not None
    bodies = [orjson.loads(e["body"]) for e in outbox_entries(doc)]
    inflows = [b for b in bodies if b["type"] == "funds.InflowRecorded"]
    by_entry = {e.id: key for e, key in zip(entries[:-1], keys, strict=True)}
    assert sorted(b["data"]["entry_id"] for b in inflows) == sorted(by_entry)  # one each
    assert all(b["correlationid"] == f"corr-{by_entry[b['data']['entry_id']]}" for b in inflows)


async def test_a_commit_another_process_got_in_first_is_redone(setup: Setup) -> None:
    services, col = setup.services, setup.db["funds"]
    real_save, others = services.funds.save, [2]

    async def contended(fund: Fund) -> None:
        if others[0] > 0:  # another process commits the fund just before this one
            others[0] -= 1
            await col.update_one({"_id": fund.id}, {"$inc": {"version": 1}})
        await real_save(fund)

    services.funds.save = contended  # type: ignore[method-assign]
    services.writer = FundWriter(
        services.funds, lambda f: None, backoff=Backoff(attempts=4, first_s=0.001)
    )
    entry = await _deposit(setup, "once", MEMBERS[0], "25")
    fund = await services.funds.get(setup.fund_id)
    assert fund.pending_entries == [entry] and fund.balance("trust_cash") == 2500
    assert fund.version == 1 + 2 + 1

    others[0] = 100  # a fund that stays contended: refused, with when to come back
    with pytest.raises(Conflict) as refused:
        await _deposit(setup, "never", MEMBERS[1], "5")
    assert refused.value.status == 409 and refused.value.headers["Retry-After"] == "1"
    fund = await services.funds.get(setup.fund_id)
    assert fund.balance("trust_cash") == 2500 and len(fund.pending_entries) == 1


async def test_requests_to_a_busy_fund_check_it_on_a_shared_view(setup: Setup) -> None:
    """While the fund's line is busy, each money request's checks read a view shared with the
    others of the moment, and the batch reads the fund once for them all: not one whole read
    of the fund per request (before: 20 whole reads for 20 deposits)."""
    services = setup.services
    staff = Principal("staff-09", frozenset({Role.ODF_STAFF}), frozenset({"09"}))
    whole, views = [0], [0]
    real_find, real_view = services.funds.find, services.funds._read_view

    async def counted_find(*args: Any, **kwargs: Any) -> Fund | None:
        whole[0] += 1
        return await real_find(*args, **kwargs)

    async def counted_view(*args: Any, **kwargs: Any) -> Fund | None:
        views[0] += 1
        return await real_view(*args, **kwargs)

    services.funds.find = counted_find  # type: ignore[method-assign]
    services.funds._read_view = counted_view  # type: ignore[method-assign]

    async def request(i: int) -> Entry:
        await check_fund_to_change(services, setup.fund_id, staff)
        return await _deposit(setup, f"busy-{i}", MEMBERS[i % 8], "5")

    assert not services.writer.is_busy(setup.fund_id)
    await request(99)  # alone: one whole read, which its batch starts from
    assert (whole[0], views[0]) == (1, 0)
    whole[0] = 0
    async with services.writer.exclusive([setup.fund_id]):  # a consumer holds the fund
        assert services.writer.is_busy(setup.fund_id)
        waiting = [asyncio.create_task(request(i)) for i in range(20)]
        await asyncio.sleep(0.3)  # every request has checked the fund and waits in its line
        assert whole[0] == 0 and views[0] <= 2
    entries = await asyncio.gather(*waiting)
    assert len({e.id for e in entries}) == 20
    assert whole[0] <= 2  # the batches' own reads
    fund = await real_find(setup.fund_id)
    assert fund is not None and fund.balance("trust_cash") == 21 * 500

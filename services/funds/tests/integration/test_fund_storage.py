"""How a fund is stored, against the real store: its member-sized fields packed, its waiting
lists one packed item each (the copier moves them by value), and the read view that leaves
those lists behind and cannot be committed."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from funds.adapters.journal import Journal, JournalCopier, ObligationArchive
from funds.adapters.repositories import ARCHIVE_PENDING, PENDING_ENTRIES, FundRepository
from funds.domain.deposits import Deposit, PeriodResult, create_obligations, record_deposits
from funds.domain.policy import FundPolicy
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import PACKED, OutboxWriter, make_client
from megp_common.testing.infra import Infra

from ..unit.helpers import OPENED, POLICY, opened_fund


async def test_a_fund_is_packed_its_view_leaves_the_waiting_lists_and_the_copier_moves_them(
    infra: Infra,
) -> None:
    client = make_client(infra.mongo)
    db = client[f"funds_storage_{new_id()[-12:]}"]
    try:
        outbox = OutboxWriter(service="funds", topic="funds.events", clock=SettableClock())
        funds = FundRepository(db, outbox, FundPolicy())
        members = [f"p{i:03}" for i in range(200)]
        fund = opened_fund(members=members)
        fund.id = fund.group_id = f"g-{new_id()}"
        start = OPENED.date().replace(day=1)
        results = [
            PeriodResult(f"r-{p}", p, start, start.replace(day=28), Decimal("100")) for p in members
        ]
        create_obligations(fund, results, POLICY)
        half = [Deposit(p, Decimal("100")) for p in members[:100]]
        record_deposits(fund, "sheet-1", "key-1", half, OPENED, POLICY)
        await funds.add(fund)

        raw = await db["funds"].find_one({"_id": fund.id})
        assert raw is not None and isinstance(raw[PACKED], bytes)
        assert "members" not in raw and "obligations" not in raw and "balances" in raw
        assert len(raw[PENDING_ENTRIES]) == 1 and len(raw[ARCHIVE_PENDING]) == 100
        assert all(isinstance(x, bytes) for x in raw[PENDING_ENTRIES] + raw[ARCHIVE_PENDING])

        loaded = await funds.get(fund.id)
        assert loaded.balances == fund.balances and set(loaded.members) == set(members)
        assert [e.id for e in loaded.pending_entries] == [e.id for e in fund.pending_entries]
        assert len(loaded.obligations) == 100 and len(loaded.archive_pending) == 100

        view = await funds.find_view(fund.id)
        assert view is not None and view.is_view and not loaded.is_view
        assert view.pending_entries == [] and view.archive_pending == []
        assert view.obligations == loaded.obligations and view.debts == loaded.debts
        with pytest.raises(RuntimeError, match="view"):
            await funds.save(view)

        copier = JournalCopier(db, Journal(db), archive=ObligationArchive(db))
        assert await copier.copy(fund.id) == 101
        after = await funds.get(fund.id)
        assert after.pending_entries == [] and after.archive_pending == []
        assert (await Journal(db).get("sheet-1")) is not None
        archived = await ObligationArchive(db).of_fund(fund.id, after.archive_months)
        assert sorted(o.obligation_id for o in archived) == [f"r-{p}" for p in members[:100]]
    finally:
        await client.drop_database(db.name)
        await client.close()


class FundFinds(monitoring.CommandListener):
    """Counts the finds of fund documents the store is sent."""

    count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find" and event.command.get("find") == "funds":
            self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_views_asked_for_at_once_share_reads_and_each_sees_what_committed_before_it(
    infra: Infra,
) -> None:
    """Forty members checking their positions in the same moment: the store is asked at most
    twice (the read under way when they came, and one for all who came during it), and a view
    asked for after a commit always shows that commit."""
    finds = FundFinds()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        infra.mongo, tz_aware=True, uuidRepresentation="standard", event_listeners=[finds]
    )
    db = client[f"funds_views_{new_id()[-12:]}"]
    try:
        outbox = OutboxWriter(service="funds", topic="funds.events", clock=SettableClock())
        funds = FundRepository(db, outbox, FundPolicy())
        fund = opened_fund(members=[f"p{i:03}" for i in range(40)])
        fund.id = fund.group_id = f"g-{new_id()}"
        await funds.add(fund)
        finds.count = 0
        views = await asyncio.gather(*(funds.find_view(fund.id) for _ in range(40)))
        assert all(v is not None and v.version == fund.version for v in views)
        assert 1 <= finds.count <= 2  # forty asked; the store read the fund once or twice
        assert len({id(v) for v in views}) <= 2  # one copy per read, shared

        changed = await funds.get(fund.id)
        paid = [Deposit("p001", Decimal("50"))]
        record_deposits(changed, "sheet-1", "key-1", paid, OPENED, POLICY)
        await funds.save(changed)
        after = await funds.find_view(fund.id)
        assert after is not None and after.version == changed.version
        assert after.balances == changed.balances
    finally:
        await client.drop_database(db.name)
        await client.close()

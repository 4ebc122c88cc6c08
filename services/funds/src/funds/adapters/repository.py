"""Fund documents: one per project group, `_id` = the group id."""

from __future__ import annotations

import time

from pymongo.asynchronous.database import AsyncDatabase

from funds.domain.fund import Fund
from funds.domain.policy import FundPolicy
from funds.domain.schedule import wake_on
from megp_common.mongo import AggregateRepository, Document, OutboxWriter

FUNDS = "funds"


class FundRepository(AggregateRepository[Fund]):
    collection = FUNDS
    model = Fund

    #: how often the wake-up index is rebuilt from the store (it is kept current in between)
    rescan_s = 60.0

    def __init__(
        self, db: AsyncDatabase[Document], outbox: OutboxWriter, policy: FundPolicy
    ) -> None:
        super().__init__(db, outbox)
        self.policy = policy
        # fund id -> the ISO day it next needs the scheduler, for every fund that has one
        self._wakes: dict[str, str] = {}
        self._noted: set[str] = set()  # written while a rescan was reading
        self._scanned_at: float | None = None

    async def add(self, aggregate: Fund) -> None:
        aggregate.wake_on = wake_on(aggregate, self.policy)
        await super().add(aggregate)
        self._note(aggregate)

    async def save(self, aggregate: Fund) -> None:
        aggregate.wake_on = wake_on(aggregate, self.policy)
        await super().save(aggregate)
        self._note(aggregate)

    def _note(self, fund: Fund) -> None:
        self._noted.add(fund.id)
        if fund.wake_on is None:
            self._wakes.pop(fund.id, None)
        else:
            self._wakes[fund.id] = fund.wake_on.isoformat()

    async def due_ids(self, today_iso: str) -> list[str]:
        """Funds the scheduler must look at today.

        Every write in this process keeps an index of wake-up days current, so a clock move
        does not read the funds; the index is rebuilt from the store at the first call and
        every `rescan_s` (a scan that decodes every fund document on FerretDB v1), which also
        picks up what another process wrote."""
        now = time.monotonic()
        if self._scanned_at is None or now - self._scanned_at >= self.rescan_s:
            self._noted = set()
            cursor = self.col.find({"wake_on": {"$ne": None}}, {"wake_on": 1})
            stored = {str(d["_id"]): str(d["wake_on"]) async for d in cursor if d.get("wake_on")}
            # what this process wrote during the scan is newer than what the scan read
            fresh = {k: v for k, v in self._wakes.items() if k in self._noted}
            gone = {k for k in self._noted if k not in fresh}
            self._wakes = {k: v for k, v in stored.items() if k not in gone} | fresh
            self._scanned_at = now
        return sorted(k for k, day in self._wakes.items() if day <= today_iso)

    async def all_balances(self) -> list[Document]:
        projection = {"state": 1, "trust_bank": 1, "balances": 1, "opened_at": 1, "group_id": 1}
        return [doc async for doc in self.col.find({}, projection)]

    async def funds_at_bank(self, bank: str) -> list[Document]:
        projection = {"state": 1, "trust_bank": 1, "balances": 1, "opened_at": 1, "group_id": 1}
        return [doc async for doc in self.col.find({"trust_bank": bank}, projection)]

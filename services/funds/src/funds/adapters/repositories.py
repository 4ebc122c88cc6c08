"""Fund documents: one per project group, `_id` = the group id."""

from __future__ import annotations

from collections import OrderedDict

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from funds.domain.fund import Fund
from funds.domain.ledger import Entry
from funds.domain.policy import FundPolicy
from funds.domain.schedule import wake_on
from funds.domain.spending_requests import SpendingRequest
from megp_common.mongo import (
    OUTBOX_FLAG,
    SCALAR_EQ,
    AggregateRepository,
    Document,
    OutboxWriter,
    unpack,
)
from megp_common.watched import Watched

FUNDS = "funds"
PENDING_ENTRIES = "pending_entries"  # posted, not yet copied to the journal
ARCHIVE_PENDING = "archive_pending"  # closed obligations not yet in their archive
COMMITS_REMEMBERED = 4096  # funds whose latest commit from this process is remembered
ENTRIES_DECODED = 8192  # waiting entries kept decoded, by their stored bytes


class FundRepository(AggregateRepository[Fund]):
    collection = FUNDS
    model = Fund
    # Everything sized by the group's members or its history travels packed (see
    # AggregateRepository.packed); what the store is asked about (wake_on, trust_bank, state,
    # balances for the summaries, the copier's lists) stays plain.
    packed = frozenset(
        {
            "applied",
            "members",
            "board",
            "recent_entry_ids",
            "reversed_entries",
            "obligations",
            "closed_obligations",
            "archive_months",
            "temporary",
            "debts",
            "scheduled",
            "failed_instalments",
            "notices",
        }
    )
    packed_items = frozenset({PENDING_ENTRIES, ARCHIVE_PENDING})

    def __init__(
        self, db: AsyncDatabase[Document], outbox: OutboxWriter, policy: FundPolicy
    ) -> None:
        super().__init__(db, outbox)
        self.policy = policy
        # the day each fund next needs the scheduler, kept current by every commit here
        self.wakes: Watched[Fund] = Watched(
            self,
            query={"wake_on": {"$ne": None}},
            value=lambda f: f.wake_on.isoformat() if f.wake_on else None,
        )
        # fund id -> the version this process last committed, the most recent funds only
        self._committed_versions: OrderedDict[str, int] = OrderedDict()
        self._entries: OrderedDict[bytes, Entry] = OrderedDict()

    def _load(self, doc: Document) -> Fund:
        """As stored, except that the entries waiting for the journal are decoded once each:
        an entry never changes (`Entry` is frozen), and while a fund is busy every read of it
        decodes the same waiting entries again, the larger part of its cost."""
        blobs: list[bytes] | None = doc.get(PENDING_ENTRIES)
        if not blobs:
            return super()._load(doc)
        fund = super()._load({**doc, PENDING_ENTRIES: []})
        fund.pending_entries = [self._entry(blob) for blob in blobs]
        return fund

    def _entry(self, blob: bytes) -> Entry:
        entry = self._entries.get(blob)
        if entry is not None:
            self._entries.move_to_end(blob)
            return entry
        entry = Entry.model_validate(unpack(blob, self.col.codec_options))
        self._entries[blob] = entry
        if len(self._entries) > ENTRIES_DECODED:
            self._entries.popitem(last=False)
        return entry

    def is_current(self, fund: Fund) -> bool:
        """False when this process committed the fund since `fund` was read: committing that
        copy is certain to fail its version check (True says nothing of other processes)."""
        return fund.version >= self._committed_versions.get(fund.id, 0)

    def _remember_commit(self, fund: Fund) -> None:
        self._committed_versions[fund.id] = fund.version
        self._committed_versions.move_to_end(fund.id)
        if len(self._committed_versions) > COMMITS_REMEMBERED:
            self._committed_versions.popitem(last=False)

    async def find_view(self, fund_id: str) -> Fund | None:
        """The fund for a read that needs neither the entries waiting for the journal nor the
        obligations waiting for the archive (the commonest reads, the ones clients poll): the
        store sends less and nothing decodes those lists, often the largest part of a fund.
        A view cannot be committed (`save` refuses it)."""
        doc = await self.col.find_one(
            {"_id": fund_id}, {"outbox": 0, OUTBOX_FLAG: 0, PENDING_ENTRIES: 0, ARCHIVE_PENDING: 0}
        )
        if doc is None:
            return None
        fund = self._load(doc)
        fund.is_view = True
        return fund

    async def add(self, aggregate: Fund) -> None:
        aggregate.wake_on = wake_on(aggregate, self.policy)
        await super().add(aggregate)
        self._remember_commit(aggregate)

    async def save(self, aggregate: Fund) -> None:
        if aggregate.is_view:
            raise RuntimeError(f"fund {aggregate.id} was read as a view: it cannot be committed")
        aggregate.wake_on = wake_on(aggregate, self.policy)
        await super().save(aggregate)
        self._remember_commit(aggregate)

    async def due_ids(self, today_iso: str) -> list[str]:
        """Funds the scheduler must look at today, without reading the funds (see Watched)."""
        return await self.wakes.up_to(today_iso)

    async def all_balances(self) -> list[Document]:
        projection = {"state": 1, "trust_bank": 1, "balances": 1, "opened_at": 1, "group_id": 1}
        return [doc async for doc in self.col.find({}, projection)]

    async def funds_at_bank(self, bank: str) -> list[Document]:
        projection = {"state": 1, "trust_bank": 1, "balances": 1, "opened_at": 1, "group_id": 1}
        return [
            doc async for doc in self.col.find({"trust_bank": bank}, projection, comment=SCALAR_EQ)
        ]


SPENDING_REQUESTS = "spending_requests"


class SpendingRequestRepository(AggregateRepository[SpendingRequest]):
    """The IMPI fees the inventors asked the Competition Sub-Fund to pay (from ip-counsel's
    events), pending until the group's board approves one; refused ones are kept with the
    reason. Apart from the fund document: a request moves no money until it is approved."""

    collection = SPENDING_REQUESTS
    model = SpendingRequest
    indexes = (IndexModel([("fund_id", ASCENDING)]),)

    async def of_fund(self, fund_id: str, status: str | None, limit: int) -> list[SpendingRequest]:
        query: dict[str, object] = {"fund_id": fund_id}
        if status is not None:
            query["status"] = status
        return await self.find_many(
            query, sort=[("requested_on", -1), ("_id", ASCENDING)], limit=limit, scalar_eq=True
        )

"""The donors service's Mongo collections; every store filter is built here.

- `associations`, `donations`, `programmes`, `pledges`: the aggregates (each document carries its
  outbox, so a change and its events commit together);
- `projects`, `fund_histories`, `rates`: what donors learnt from enrollment's, funds' and
  trade's events (the public projection of a group, its fund's movements, recorded rates);
- `report_copies`: each report as it was announced ready (service_layer/reports.py);
- `receipt_counters`: one document per year, the last receipt number issued
  (service_layer/receipts.py);
- `store_locks`: megp_common.locks, one holder per key across processes (a programme's caps,
  a year's receipt numbers).
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from donors.domain.association import Association
from donors.domain.donation import Donation
from donors.domain.history import FundHistory
from donors.domain.matching import HOLDING, Pledge, PledgeStatus, Programme
from donors.domain.project import Project
from donors.domain.rates import RecordedRate
from donors.domain.report_copy import ReportCopy
from megp_common.mongo import SCALAR_EQ, AggregateRepository, Document


class AssociationRepository(AggregateRepository[Association]):
    collection = "associations"
    model = Association


class ProjectRepository(AggregateRepository[Project]):
    collection = "projects"
    model = Project
    indexes = [IndexModel([("state", ASCENDING)])]

    async def in_state(self, state: str, limit: int, after: str | None = None) -> list[Project]:
        """The state's formed groups in id order, those after `after` (an id) when given."""
        query: dict[str, object] = {"state": state, "formed": True}
        if after is not None:
            query["_id"] = {"$gt": after}
        return await self.find_many(query, sort=[("_id", 1)], limit=limit, scalar_eq=True)


class HistoryRepository(AggregateRepository[FundHistory]):
    collection = "fund_histories"
    model = FundHistory


class RateRepository(AggregateRepository[RecordedRate]):
    collection = "rates"
    model = RecordedRate


class DonationRepository(AggregateRepository[Donation]):
    collection = "donations"
    model = Donation
    indexes = [IndexModel([("association_id", ASCENDING)])]

    async def of_association(self, association_id: str, limit: int) -> list[Donation]:
        return await self.find_many(
            {"association_id": association_id},
            sort=[("made_at", 1)],
            limit=limit,
            scalar_eq=True,
        )


class ProgrammeRepository(AggregateRepository[Programme]):
    collection = "programmes"
    model = Programme

    async def not_lapsed(self) -> list[Programme]:
        return await self.find_many({"lapsed": False}, scalar_eq=True)


class PledgeRepository(AggregateRepository[Pledge]):
    collection = "pledges"
    model = Pledge
    indexes = [
        IndexModel([("programme_id", ASCENDING)]),
        IndexModel([("donation_id", ASCENDING)]),
    ]

    async def of_programme(self, programme_id: str, limit: int = 0) -> list[Pledge]:
        return await self.find_many(
            {"programme_id": programme_id}, sort=[("_id", 1)], limit=limit, scalar_eq=True
        )

    async def of_donation(self, donation_id: str) -> list[Pledge]:
        return await self.find_many({"donation_id": donation_id}, scalar_eq=True)

    async def holding(self, programme_id: str) -> list[Document]:
        """The pledges of a programme that hold room under its caps: only what the caps need."""
        cursor = self.col.find(
            {"programme_id": programme_id, "status": {"$in": [s.value for s in HOLDING]}},
            {"association_id": 1, "group_id": 1, "amount_cents": 1},
            comment=SCALAR_EQ,
        )
        return [d async for d in cursor]

    async def open_of(self, programme_id: str) -> list[Pledge]:
        open_ = [PledgeStatus.PLEDGED.value, PledgeStatus.CONFIRMED.value]
        return await self.find_many({"programme_id": programme_id, "status": {"$in": open_}})


class ReportCopyRepository(AggregateRepository[ReportCopy]):
    collection = "report_copies"
    model = ReportCopy


class ReceiptCounters:
    """`_id` = the year; `last` = the last number issued; `issuing` / `number`: a number being
    given to a donation right now (see service_layer/receipts.py)."""

    collection = "receipt_counters"
    indexes: list[IndexModel] = []

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.col = db[self.collection]

    async def read(self, year: int) -> Document:
        doc = await self.col.find_one({"_id": year})
        return doc or {"_id": year, "last": 0}

    async def write(self, year: int, fields: dict[str, Any]) -> None:
        await self.col.update_one({"_id": year}, {"$set": fields}, upsert=True)


ALL = (
    AssociationRepository,
    ProjectRepository,
    HistoryRepository,
    RateRepository,
    DonationRepository,
    ProgrammeRepository,
    PledgeRepository,
    ReportCopyRepository,
)
PLAIN = (ReceiptCounters,)

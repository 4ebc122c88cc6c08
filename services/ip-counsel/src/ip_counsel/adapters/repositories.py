"""Where ip-counsel keeps its aggregates (each document also carries its outbox) and the log
of content reads. A disclosure document holds its content only sealed (AES-256-GCM
ciphertext, its data key wrapped by the service key): a dump of the store shows ids, dates and
scores, never a title, a description, a claim, an advice or a comment."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from ip_counsel.domain.counsellor import Counsellor
from ip_counsel.domain.disclosure import Disclosure
from ip_counsel.domain.filings import Filing
from ip_counsel.domain.licence import Licence
from ip_counsel.domain.people import GroupRecord, InnovationCommittee, ParticipantRecord
from megp_common.ids import new_id
from megp_common.mongo import SCALAR_EQ, AggregateRepository, Document, OutboxWriter
from megp_common.watched import Watched


class ParticipantRepository(AggregateRepository[ParticipantRecord]):
    collection = "participants"
    model = ParticipantRecord

    async def many(self, ids: list[str]) -> dict[str, ParticipantRecord]:
        found = await self.find_many({"_id": {"$in": ids}})
        return {p.id: p for p in found}


class GroupRepository(AggregateRepository[GroupRecord]):
    collection = "groups"
    model = GroupRecord
    shard_key = ("state", "_id")  # the id is the group's (null until it formed)


class CommitteeRepository(AggregateRepository[InnovationCommittee]):
    """The Innovation Committees, one per project (so one per group)."""

    collection = "innovation_committees"
    model = InnovationCommittee
    # a committee first heard of by a member event before its formation keeps the state its
    # envelope told (or null, for one stored before: the commit that learns it moves it)
    shard_key = ("state", "group_id")
    indexes = (IndexModel([("group_id", ASCENDING)]),)

    async def of_group(self, group_id: str, state: str) -> InnovationCommittee | None:
        """The group's committee (in `state`, the group's: its shard key)."""
        query = {"state": state, "group_id": group_id}
        found = await self.find_many(query, limit=1, scalar_eq=True)
        return found[0] if found else None


class CounsellorRepository(AggregateRepository[Counsellor]):
    collection = "counsellors"
    model = Counsellor
    indexes = (IndexModel([("subject", ASCENDING)]),)

    async def by_subject(self, subject: str) -> Counsellor | None:
        found = await self.find_many({"subject": subject}, limit=1, scalar_eq=True)
        return found[0] if found else None


class DisclosureRepository(AggregateRepository[Disclosure]):
    collection = "disclosures"
    model = Disclosure
    shard_key = ("state", "group_id")
    indexes = (IndexModel([("group_id", ASCENDING)]), IndexModel([("state", ASCENDING)]))


class LicenceRepository(AggregateRepository[Licence]):
    """Licences and assignments of the disclosures' inventions, with their royalty reports and
    payments (metadata only: no disclosure content)."""

    collection = "licences"
    model = Licence
    shard_key = ("state", "group_id")  # the disclosure's
    indexes = (IndexModel([("disclosure_id", ASCENDING)]), IndexModel([("state", ASCENDING)]))


def _day(on: date) -> datetime:
    return datetime.combine(on, time())


def _wakes(f: Filing) -> str | None:
    wake = f.wake_on()
    return wake.isoformat() if wake else None


class FilingRepository(AggregateRepository[Filing]):
    """Filings at IMPI (metadata only: no disclosure content). Each document also holds, as
    scalars, `wake_on` (the first day its tick has something to do; null once it ended) and
    `next_due_on` (its earliest open due date, what the deadline listing queries). The
    scheduler asks `waking` (megp_common.watched: in memory, kept by every commit, the store
    read again every minute) instead of querying the store every few seconds."""

    collection = "filings"
    model = Filing
    shard_key = ("state", "group_id")  # the disclosure's (null on a filing stored without)
    indexes = (
        IndexModel([("disclosure_id", ASCENDING)]),
        IndexModel([("state", ASCENDING)]),
        IndexModel([("wake_on", ASCENDING)]),
        IndexModel([("next_due_on", ASCENDING)]),
    )

    def __init__(self, db: AsyncDatabase[Document], outbox: OutboxWriter) -> None:
        super().__init__(db, outbox)
        self.waking: Watched[Filing] = Watched(self, query={"wake_on": {"$ne": None}}, value=_wakes)

    def _state(self, aggregate: Filing) -> Document:
        doc = super()._state(aggregate)
        wake, open_ = aggregate.wake_on(), aggregate.open_deadlines()
        doc["wake_on"] = _day(wake) if wake else None
        doc["next_due_on"] = _day(open_[0].due_on) if open_ else None
        return doc

    async def waking_by(self, today: date, limit: int) -> list[Filing]:
        """Filings whose tick has something to do on or before `today` (at most `limit`)."""
        ids = (await self.waking.up_to(today.isoformat()))[:limit]
        found = [f for i in ids if (f := await self.find(i)) is not None]
        return [f for f in found if (w := f.wake_on()) is not None and w <= today]

    async def due_by(self, query: dict[str, Any], until: date, limit: int) -> list[Filing]:
        """Filings matching `query` with an open deadline due on or before `until`."""
        return await self.find_many(
            query | {"next_due_on": {"$ne": None, "$lte": _day(until)}},
            sort=[("next_due_on", 1), ("_id", 1)],
            limit=limit,
        )


class ReadLog:
    """Every read of a disclosure's content: who (subject, participant, capacity), when, and
    which piece (revision n, session n, review). Append-only; no content in it."""

    collection = "content_reads"
    indexes = (IndexModel([("disclosure_id", ASCENDING)]),)

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.col = db[self.collection]

    async def note(self, disclosure_id: str, reader: Document, what: str, at: datetime) -> None:
        await self.col.insert_one(
            {"_id": new_id(), "disclosure_id": disclosure_id, "what": what, "at": at} | reader
        )

    async def of(self, disclosure_id: str, limit: int) -> list[dict[str, Any]]:
        cursor = self.col.find(
            {"disclosure_id": disclosure_id}, sort=[("_id", 1)], limit=limit, comment=SCALAR_EQ
        )
        return [doc async for doc in cursor]


ALL = (
    ParticipantRepository,
    GroupRepository,
    CommitteeRepository,
    CounsellorRepository,
    DisclosureRepository,
    LicenceRepository,
    FilingRepository,
)
#: Collections without an outbox
PLAIN = (ReadLog,)

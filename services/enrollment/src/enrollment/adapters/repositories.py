"""Where each aggregate lives. Hot paths read by `_id` (the only index FerretDB v1 searches);
uniqueness of CURPs and RFCs is kept by documents whose `_id` is the identifier itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import BulkWriteError, DuplicateKeyError

from enrollment.domain.business_plan import BusinessPlan
from enrollment.domain.committee import Committee
from enrollment.domain.group import ProjectGroup
from enrollment.domain.group_period import GroupPeriod
from enrollment.domain.participant import Participant
from enrollment.domain.plan_book import PlanBook
from enrollment.domain.project import Project
from megp_common.errors import ValidationFailed
from megp_common.mongo import (
    DUPLICATE_KEY,
    AggregateRepository,
    ConcurrencyConflict,
    Document,
    Shard,
)
from megp_common.web import decode_cursor, encode_cursor, page_by_id

#: The states a read may return: a sorted list, or None for every state (national scope).
States = Sequence[str] | None
Paged = tuple[list[Any], str | None]


def _in_states(states: States) -> Document:
    if states is None:
        return {}
    return {"state": states[0]} if len(states) == 1 else {"state": {"$in": list(states)}}


def _equal(**fields: str | None) -> Document:
    return {name: value for name, value in fields.items() if value is not None}


class ParticipantRepository(AggregateRepository[Participant]):
    collection = "participants"
    model = Participant
    # a participant is enrolled before any group knows them (its `group_id` is set later)
    shard_key = ("state", "_id")
    indexes = (IndexModel([("curp", ASCENDING)], unique=True, name="curp_unique"),)

    def _state(self, aggregate: Participant) -> Document:
        # `one` lets aggregations count with {"$sum": "$one"} ({"$sum": 1} is 0 on FerretDB v1).
        return super()._state(aggregate) | {"one": 1}

    async def page(
        self,
        states: States,
        *,
        municipality: str | None,
        programme: str | None,
        cursor: str | None,
        limit: int,
    ) -> Paged:
        query = _in_states(states) | _equal(municipality=municipality)
        if programme:
            query["programmes"] = programme  # an array: no scalar pushdown
        return await page_by_id(self, query, cursor=cursor, limit=limit, scalar_eq=not programme)

    async def by_curp(self, curp: str, shard: Shard | None = None) -> Participant | None:
        """The participant enrolled with `curp`, found through its claim (one `_id` read).

        Enrollment writes the claim before the participant, so a participant always has one;
        a claim whose participant does not exist (an enrollment that stopped half-way) is
        treated as free. `shard`: the participant's state as the caller knows it."""
        claim = await self.db["curps"].find_one({"_id": curp})
        if claim is None:
            return None
        found = await self.find(claim["participant_id"], shard)
        return found if found is not None and found.curp == curp else None

    async def by_curps(self, curps: Mapping[str, str | None]) -> dict[str, Participant]:
        """`by_curp` for many CURPs at once (each with the state its holder is expected in,
        the hint of its load): their claims in one `$in` query on `_id`, then the claimed
        participants in another (`find_by_ids`), where a sheet made two reads per line."""
        wanted = list(curps)
        claims: dict[str, str] = {}
        for start in range(0, len(wanted), self.IDS_PER_QUERY):
            chunk = wanted[start : start + self.IDS_PER_QUERY]
            async for claim in self.db["curps"].find({"_id": {"$in": chunk}}):
                claims[claim["_id"]] = claim["participant_id"]
        hints = {pid: Shard(curps.get(curp)) for curp, pid in claims.items()}
        people = await self.find_by_ids(claims.values(), hints)
        return {
            curp: people[pid]
            for curp, pid in claims.items()
            if pid in people and people[pid].curp == curp
        }

    async def scan_by_curp(self, curp: str) -> Participant | None:
        """The same through the unique index, for the rare case the claim is behind: a store
        that pushes only `_id` filters down reads the whole collection for it."""
        scanned = await self.find_many({"curp": curp}, limit=1, scalar_eq=True)
        return scanned[0] if scanned else None

    async def claim_curp(self, curp: str, participant_id: str) -> str:
        """Claims `curp` for `participant_id`; returns the id that holds it (this one if it was
        free, or held by an enrollment that never completed)."""
        claims = self.db["curps"]
        for _ in range(5):
            try:
                await claims.insert_one({"_id": curp, "participant_id": participant_id})
                return participant_id
            except DuplicateKeyError:
                claim = await claims.find_one({"_id": curp})
            if claim is None:
                continue  # released between the two calls: try again
            holder = str(claim["participant_id"])
            held = None if holder == participant_id else await self.find(holder)
            if holder == participant_id or (held is not None and held.curp == curp):
                return holder
            taken = await claims.replace_one(
                {"_id": curp, "participant_id": holder}, {"participant_id": participant_id}
            )
            if taken.modified_count == 1:
                return participant_id
        raise ConcurrencyConflict(f"CURP {curp} is being enrolled concurrently; retry")

    async def claim_curps(self, claims: Mapping[str, str]) -> set[str]:
        """Claims each CURP for its participant id in one bulk write; returns the CURPs whose
        claim was already there (of anyone: `claim_curp` then settles each on its own)."""
        if not claims:
            return set()
        docs = [{"_id": curp, "participant_id": pid} for curp, pid in claims.items()]
        try:
            await self.db["curps"].insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            return {str(docs[int(e["index"])]["_id"]) for e in errors}
        return set()

    async def release_curp(self, curp: str, participant_id: str) -> None:
        await self.db["curps"].delete_one({"_id": curp, "participant_id": participant_id})

    async def remember_curp(self, curp: str, participant_id: str) -> None:
        await self.db["curps"].replace_one(
            {"_id": curp}, {"participant_id": participant_id}, upsert=True
        )


class ProjectRepository(AggregateRepository[Project]):
    collection = "projects"
    model = Project
    shard_key = ("state", "group_id")  # the group the project forms (`group_id_for` its id)
    indexes = (IndexModel([("priority_score", DESCENDING), ("_id", ASCENDING)], name="ranking"),)

    async def page(
        self, states: States, *, status: str | None, cursor: str | None, limit: int
    ) -> Paged:
        query = _in_states(states) | _equal(status=status)
        return await page_by_id(self, query, cursor=cursor, limit=limit, scalar_eq=True)

    async def ranking(
        self, states: States, *, status: str | None, cursor: str | None, limit: int
    ) -> Paged:
        """Proposals by priority score, highest first; equal scores in order of proposal."""
        query: Document = _in_states(states) | _equal(status=status)
        if cursor:
            position = decode_cursor(cursor)
            score, after = position.get("score"), position.get("after")
            if not isinstance(score, int) or not isinstance(after, str):
                raise ValidationFailed("the cursor is not valid for this list")
            below = {"priority_score": {"$lt": score}}
            tied = {"priority_score": score, "_id": {"$gt": after}}
            query = {"$and": [query, {"$or": [below, tied]}]}
        found = await self.find_many(
            query, sort=[("priority_score", -1), ("_id", 1)], limit=limit + 1
        )
        page = found[:limit]
        if len(found) > limit and page:
            return page, encode_cursor({"score": page[-1].priority_score, "after": page[-1].id})
        return page, None


class GroupRepository(AggregateRepository[ProjectGroup]):
    collection = "groups"
    model = ProjectGroup
    shard_key = ("state", "_id")  # the id is the group's
    # a group's members and their history grow with it (see AggregateRepository.packed)
    packed = frozenset({"members", "history", "board", "applied"})

    async def page(
        self, states: States, *, status: str | None, cursor: str | None, limit: int
    ) -> Paged:
        query = _in_states(states) | _equal(status=status)
        return await page_by_id(self, query, cursor=cursor, limit=limit, scalar_eq=True)

    async def claim_rfc(self, rfc: str, group_id: str) -> str:
        """The group that holds `rfc`: this one if it was free (or already ours)."""
        try:
            await self.db["rfcs"].insert_one({"_id": rfc, "group_id": group_id})
        except DuplicateKeyError:
            claim = await self.db["rfcs"].find_one({"_id": rfc})
            return str(claim["group_id"]) if claim else group_id
        return group_id


class CommitteeRepository(AggregateRepository[Committee]):
    collection = "committees"
    model = Committee
    # a national committee has no state, one not of a project no group: stored as null
    shard_key = ("state", "group_id")

    async def page(
        self,
        states: States,
        *,
        kind: str | None,
        project_id: str | None,
        cursor: str | None,
        limit: int,
    ) -> Paged:
        """Committees of the states (national ones, with no state, too)."""
        query: Document = {}
        if states is not None:
            query["$or"] = [_in_states(states), {"state": None}]
        query |= _equal(kind=kind, project_id=project_id)
        return await page_by_id(self, query, cursor=cursor, limit=limit, scalar_eq=True)


class PlanRepository(AggregateRepository[BusinessPlan]):
    collection = "business_plans"
    model = BusinessPlan
    shard_key = ("state", "group_id")
    indexes = (IndexModel([("group_id", ASCENDING)], name="group"),)

    async def of_group(self, group_id: str, state: str) -> dict[str, BusinessPlan]:
        """Every plan agreed with the group (of `state`, its shard key with it), by
        participant: one indexed query (the store's scalar pushdown, mongo.SCALAR_EQ), where
        one `_id` read per member made a 200-member group's closing 200 requests."""
        found = await self.find_many({"state": state, "group_id": group_id}, scalar_eq=True)
        return {p.participant_id: p for p in found}

    async def get_many(
        self, plan_ids: Sequence[str], shard: Shard | None = None
    ) -> list[BusinessPlan]:
        """Plans by id, in the order asked (one `$in` query: `find_by_ids`); `shard`: their
        group's state and id, when they are one group's."""
        hints = None if shard is None else dict.fromkeys(plan_ids, shard)
        found = await self.find_by_ids(plan_ids, hints)
        return [found[i] for i in plan_ids if i in found]


class PlanBookRepository(AggregateRepository[PlanBook]):
    """One document per group (`_id` the group's id): every member's plan terms, packed."""

    collection = "plan_books"
    model = PlanBook
    packed = frozenset({"terms", "marks", "applied"})
    shard_key = ("state", "_id")  # the id is the group's
    id_is_group = True
    # read for every sale and royalty counted (plan_books.book_of): decoded once per change
    views_kept = 1024


class GroupPeriodRepository(AggregateRepository[GroupPeriod]):
    collection = "group_periods"
    model = GroupPeriod
    shard_key = ("state", "group_id")
    # a line per member (reports.py unpacks them), and the sales of producers without a plan
    packed = frozenset({"lines", "unplanned_sales", "unplanned_returns", "applied"})
    # the reports by period ask for a range of months (adapters/reports.py)
    indexes = (IndexModel([("period_start", ASCENDING)], name="period_start"),)


REPOSITORIES: tuple[type[AggregateRepository[Any]], ...] = (
    ParticipantRepository,
    ProjectRepository,
    GroupRepository,
    CommitteeRepository,
    PlanRepository,
    PlanBookRepository,
    GroupPeriodRepository,
)


def collections_spec() -> Mapping[str, Sequence[IndexModel]]:
    spec: dict[str, Sequence[IndexModel]] = {r.collection: r.indexes for r in REPOSITORIES}
    spec.update({"curps": (), "rfcs": (), "idempotency": ()})
    return spec

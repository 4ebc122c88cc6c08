"""Stored reconciliations: one document per fund and bank statement (`_id` = fund id + the
document's SHA-256), numbered per fund in the order first uploaded. Never changed once stored:
the same statement uploaded again finds the stored result."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from megp_common.mongo import ConcurrencyConflict, Document

RECONCILIATIONS = "reconciliations"
INDEXES = [IndexModel([("fund_id", ASCENDING), ("version", ASCENDING)], unique=True)]
ATTEMPTS = 8


class ReconciliationRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.col = db[RECONCILIATIONS]

    async def find(self, reconciliation_id: str) -> Document | None:
        found: Document | None = await self.col.find_one({"_id": reconciliation_id})
        return found

    async def count_of_fund(self, fund_id: str) -> int:
        """Counted in code ($sum: 1 is not portable to FerretDB v1)."""
        return len([d async for d in self.col.find({"fund_id": fund_id}, {"_id": 1})])

    async def insert_next(self, doc: dict[str, Any]) -> Document:
        """Store `doc` as the fund's next version, or answer the one already stored under its
        `_id`. Two statements stored at once cannot take one version (the unique index): the
        one that lost counts again."""
        for _ in range(ATTEMPTS):
            doc = doc | {"version": await self.count_of_fund(doc["fund_id"]) + 1}
            try:
                await self.col.insert_one(doc)
            except DuplicateKeyError:
                found = await self.find(doc["_id"])
                if found is not None:
                    return found
                continue  # the version was taken by another statement
            return doc
        raise ConcurrencyConflict(f"fund {doc['fund_id']}: no free reconciliation version")

    async def page(
        self, fund_id: str, before_version: int | None, limit: int
    ) -> tuple[list[Document], bool]:
        """The fund's reconciliations newest first, those below `before_version` (a cursor);
        and whether more follow."""
        query: dict[str, Any] = {"fund_id": fund_id}
        if before_version is not None:
            query["version"] = {"$lt": before_version}
        found = [d async for d in self.col.find(query).sort("version", DESCENDING).limit(limit + 1)]
        return found[:limit], len(found) > limit

    async def of_version(self, fund_id: str, version: int) -> Document | None:
        found: Document | None = await self.col.find_one({"fund_id": fund_id, "version": version})
        return found

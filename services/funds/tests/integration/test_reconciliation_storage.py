"""Stored reconciliations on the real store: statements uploaded at once each take their own
version, and the same statement again is the stored one."""

from __future__ import annotations

import asyncio

from funds.adapters.reconciliations import INDEXES, RECONCILIATIONS, ReconciliationRepository
from megp_common.ids import new_id
from megp_common.mongo import make_client
from megp_common.testing.infra import Infra


async def test_versions_are_distinct_and_the_same_statement_is_the_stored_one(
    infra: Infra,
) -> None:
    client = make_client(infra.mongo)
    db = client[f"funds_recon_{new_id()[-12:]}"]
    try:
        await db[RECONCILIATIONS].create_indexes(INDEXES)
        repo = ReconciliationRepository(db)
        fund = f"g-{new_id()}"
        docs = [{"_id": f"{fund}:{n:064}", "fund_id": fund, "sha256": str(n)} for n in range(6)]
        stored = await asyncio.gather(*(repo.insert_next(d) for d in docs))
        assert sorted(s["version"] for s in stored) == [1, 2, 3, 4, 5, 6]
        again = await repo.insert_next(docs[2] | {"note": "uploaded again"})
        first = next(s for s in stored if s["_id"] == docs[2]["_id"])
        assert again["version"] == first["version"] and "note" not in again
        assert await repo.count_of_fund(fund) == 6
        found = await repo.of_version(fund, first["version"])
        assert found is not None and found["_id"] == docs[2]["_id"]
    finally:
        await client.drop_database(db.name)
        await client.close()

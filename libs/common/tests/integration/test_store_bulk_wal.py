"""Many update statements against the real store: a bulk write of 500 UpdateOne returns, and the
SQLite write-ahead log of the FerretDB that deploy/local/store.sh builds stays bounded.

FerretDB v1.24.2 as released kept every update statement's read open until its whole command
ended (ferretdb-close-reads-before-writes.patch): a bulk write of 100 statements or more waited
forever for a pooled connection, and, some read being open at every commit, SQLite never reset
its WAL (measured: 166 MB after 20,000 single updates of a 0.4 MB database).

A read left open (a paged scan's cursor) still keeps every checkpoint from passing it, so the
WAL grows while it lasts; SQLite then reuses the file without shrinking it, and one such burst
left it at its peak for good (78 MB in a long run's enrollment). store.sh sets
`journal_size_limit`, so the file is cut back once the reader is gone."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from pymongo import ReturnDocument, UpdateOne

from megp_common.ids import new_id
from megp_common.mongo import make_client
from megp_common.settings import REPO_ROOT
from megp_common.testing.infra import Infra

pytestmark = pytest.mark.integration

DOCS = 1000
WAL_LIMIT = 16 * 1024 * 1024


def store_dir() -> Path:
    return Path(os.environ.get("MEGP_LOCAL_DIR") or REPO_ROOT / ".local") / "store"


async def test_a_bulk_write_of_500_update_statements_completes(infra: Infra) -> None:
    client = make_client(infra.mongo)
    db = client[f"bulk_{new_id()[-12:]}"]
    try:
        col = db["docs"]
        await col.insert_many([{"_id": f"d{i}", "v": 0} for i in range(DOCS)])
        ops = [UpdateOne({"_id": f"d{i}"}, {"$inc": {"v": 1}}) for i in range(500)]
        # unpatched, this never returned; the bound turns a hang into a failure
        result = await asyncio.wait_for(col.bulk_write(ops), 120)
        assert (result.matched_count, result.modified_count) == (500, 500)
        # and the store still answers other commands, with every statement applied
        assert await col.count_documents({"v": 1}) == 500
        assert await col.count_documents({"v": 0}) == DOCS - 500
    finally:
        await client.drop_database(db.name)
        await client.close()


async def _skip_unless_local_ferretdb(db: Any, infra: Infra) -> None:
    """The WAL tests read FerretDB's SQLite file under .local/store: the store the project's
    scripts start (always so in CI); any other store skips them, saying which it is."""
    info = await db.command("buildInfo")
    if "ferretdbVersion" not in info or infra.source != "local":
        pytest.skip(
            "the WAL is FerretDB's SQLite file under .local/store: "
            f"this store is {infra.source} {info.get('version')}"
        )


async def test_the_sqlite_wal_stays_bounded_after_thousands_of_updates(infra: Infra) -> None:
    client = make_client(infra.mongo)
    db = client[f"wal_{new_id()[-12:]}"]
    try:
        await _skip_unless_local_ferretdb(db, infra)
        col = db["docs"]
        await col.insert_many([{"_id": f"d{i}", "v": 0, "pad": "x" * 200} for i in range(DOCS)])
        wal = store_dir() / f"{db.name}.sqlite-wal"
        assert wal.exists(), f"no WAL at {wal}"
        for i in range(4000):
            await col.update_one({"_id": f"d{i % DOCS}"}, {"$inc": {"v": 1}})
        size = wal.stat().st_size
        assert size < WAL_LIMIT, f"the WAL grew to {size / 2**20:.1f} MiB after 4,000 updates"
        for b in range(4):
            ops = [
                UpdateOne({"_id": f"d{(b * 500 + i) % DOCS}"}, {"$inc": {"v": 1}})
                for i in range(500)
            ]
            await asyncio.wait_for(col.bulk_write(ops), 120)
        for i in range(500):
            doc = await col.find_one_and_update(
                {"_id": f"d{i}"}, {"$inc": {"v": 1}}, return_document=ReturnDocument.AFTER
            )
            assert doc is not None
        assert sum([d["v"] async for d in col.find({}, {"v": 1})]) == 4000 + 2000 + 500
        size = wal.stat().st_size
        assert size < WAL_LIMIT, f"the WAL grew to {size / 2**20:.1f} MiB after 6,500 updates"
    finally:
        await client.drop_database(db.name)
        await client.close()


async def test_the_wal_is_cut_back_once_a_long_read_is_gone(infra: Infra) -> None:
    client = make_client(infra.mongo)
    reader = make_client(infra.mongo)
    db = client[f"walread_{new_id()[-12:]}"]
    try:
        await _skip_unless_local_ferretdb(db, infra)
        col = db["docs"]
        await col.insert_many([{"_id": f"d{i}", "v": 0, "pad": "x" * 300} for i in range(DOCS)])
        wal = store_dir() / f"{db.name}.sqlite-wal"
        cursor = reader[db.name]["docs"].find({}, batch_size=10)
        assert await cursor.next() is not None  # a scan left open mid-way
        for b in range(16):
            ops = [
                UpdateOne({"_id": f"d{(b * 500 + i) % DOCS}"}, {"$inc": {"v": 1}})
                for i in range(500)
            ]
            await asyncio.wait_for(col.bulk_write(ops), 120)
        grown = wal.stat().st_size
        # no checkpoint could pass the open read: the scenario this test is about
        assert grown > WAL_LIMIT, f"the WAL grew to {grown / 2**20:.1f} MiB only"
        await cursor.close()
        for i in range(1000):
            await col.update_one({"_id": f"d{i % DOCS}"}, {"$inc": {"v": 1}})
        size = wal.stat().st_size
        assert size < WAL_LIMIT, (
            f"the WAL stayed at {size / 2**20:.1f} MiB after the read was gone "
            f"(it grew to {grown / 2**20:.1f} MiB behind it)"
        )
    finally:
        await client.drop_database(db.name)
        await client.close()
        await reader.close()

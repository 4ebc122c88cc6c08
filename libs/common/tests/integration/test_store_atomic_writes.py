"""Single-document writes are atomic on the real store, across processes and connections.

FerretDB v1.24.2 as released applies update, findAndModify and delete as read, modify in Go,
write back, with nothing keeping a writer on another connection out in between: two conditional
updates of one document could both match and both succeed, and one change was lost (measured in
trade: two processes racing 64 buyers for 10 units took 11 orders). The FerretDB that
deploy/local/store.sh builds serializes each document's read-modify-write
(ferretdb-atomic-document-writes.patch), as MongoDB does; the platform's services refuse a
FerretDB without it (megp_common.mongo.require_atomic_document_writes).

Each test runs PROCESSES separate Python processes, each with THREADS threads of its own
MongoClient (its own connection), all racing on one document, and counts what they were told
succeeded against what the document holds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from pymongo import MongoClient, ReturnDocument

from megp_common.ids import new_id
from megp_common.mongo import StoreNotAtomic, make_client, require_atomic_document_writes
from megp_common.testing.infra import Infra

pytestmark = pytest.mark.integration

PROCESSES = 4
THREADS = 4
ROUNDS = 25  # per thread
STOCK = 100  # units a findAndModify race sells, fewer than the attempts
DOC = "the-one"


def race(url: str, db_name: str, kind: str) -> list[int]:
    """Run the workers of `kind` against db_name.docs and return each process's successes."""
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, url, db_name, kind],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    counts = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        counts.append(int(json.loads(out)["ok"]))
    return counts


@pytest.fixture
async def db_name(infra: Infra) -> Any:
    client = make_client(infra.mongo)
    name = f"atomic_{new_id()[-12:]}"
    try:
        yield name
    finally:
        await client.drop_database(name)
        await client.close()


async def test_the_store_is_one_whose_single_document_writes_are_atomic(infra: Infra) -> None:
    client = make_client(infra.mongo)
    try:
        await require_atomic_document_writes(client["admin"])  # raises StoreNotAtomic if not
    finally:
        await client.close()
    assert issubclass(StoreNotAtomic, RuntimeError)


async def test_concurrent_increments_from_many_processes_are_all_kept(
    infra: Infra, db_name: str
) -> None:
    with MongoClient(infra.mongo) as client:
        client[db_name]["docs"].insert_one({"_id": DOC, "n": 0})
        counts = race(infra.mongo, db_name, "inc")
        doc = client[db_name]["docs"].find_one({"_id": DOC})
    assert sum(counts) == PROCESSES * THREADS * ROUNDS
    assert doc is not None and doc["n"] == PROCESSES * THREADS * ROUNDS


async def test_a_version_checked_update_succeeds_once_per_version(
    infra: Infra, db_name: str
) -> None:
    """Every writer reads the version and updates on `{_id, version}`; each version is won by
    one writer only, so the successes reported equal the versions the document went through
    and the changes it holds (the commit of every aggregate repository)."""
    with MongoClient(infra.mongo) as client:
        client[db_name]["docs"].insert_one({"_id": DOC, "version": 1, "changes": 0})
        counts = race(infra.mongo, db_name, "version")
        doc = client[db_name]["docs"].find_one({"_id": DOC})
    assert doc is not None
    assert sum(counts) > 0
    assert sum(counts) == doc["version"] - 1 == doc["changes"]


async def test_a_conditional_find_and_modify_never_sells_more_than_there_is(
    infra: Infra, db_name: str
) -> None:
    """A reservation (trade's stock): `{available: {$gte: 1}}` and `$inc: -1` in one
    findAndModify, attempted more often than there are units."""
    assert PROCESSES * THREADS * ROUNDS > STOCK
    with MongoClient(infra.mongo) as client:
        client[db_name]["docs"].insert_one({"_id": DOC, "available": STOCK, "sold": 0})
        counts = race(infra.mongo, db_name, "reserve")
        doc = client[db_name]["docs"].find_one({"_id": DOC})
    assert doc is not None
    assert sum(counts) == STOCK == doc["sold"]
    assert doc["available"] == 0


def _worker(url: str, db_name: str, kind: str) -> int:
    """One process: THREADS threads, each with a MongoClient of its own; the successes."""
    import threading

    ok = [0] * THREADS
    errors: list[BaseException] = []

    def run(slot: int) -> None:
        try:
            attempt(slot)
        except BaseException as exc:  # reported by the process's exit status
            errors.append(exc)
            barrier.abort()

    def attempt(slot: int) -> None:
        with MongoClient(url, maxPoolSize=1) as client:
            col = client[db_name]["docs"]
            col.find_one({"_id": DOC})  # connected before the race starts
            barrier.wait()
            for _ in range(ROUNDS):
                if kind == "inc":
                    ok[slot] += col.update_one({"_id": DOC}, {"$inc": {"n": 1}}).modified_count
                elif kind == "version":
                    doc = col.find_one({"_id": DOC})
                    assert doc is not None
                    result = col.update_one(
                        {"_id": DOC, "version": doc["version"]},
                        {"$set": {"version": doc["version"] + 1}, "$inc": {"changes": 1}},
                    )
                    ok[slot] += result.modified_count
                else:
                    after = col.find_one_and_update(
                        {"_id": DOC, "available": {"$gte": 1}},
                        {"$inc": {"available": -1, "sold": 1}},
                        return_document=ReturnDocument.AFTER,
                    )
                    ok[slot] += after is not None

    barrier = threading.Barrier(THREADS)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return sum(ok)


if __name__ == "__main__":
    print(json.dumps({"ok": _worker(sys.argv[1], sys.argv[2], sys.argv[3])}))

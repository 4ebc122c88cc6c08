"""A lock held in the store: one writer at a time per key, across processes, on a store
without transactions.

FerretDB v1 (the local store) applies an update as read, modify, write back without guarding
against a writer on another connection, so a conditional update alone does not keep two
processes from both passing its condition (trade measured 64 buyers racing for 10 units taking
11). What the store does refuse atomically is a second insert of the same `_id`: the lock is a
document in its own collection whose insert succeeds for one holder at a time, released by
deleting it, and taken over when its holder died (its lease ran out). On MongoDB it costs one
insert and one delete per change. Trade serializes its stock with it, donors its matching caps
and receipt numbers.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from megp_common.refusals import Unavailable


class StoreLocks:
    """`async with locks.hold(key):` runs the block while no other holder, in any process,
    holds `key` in this collection. Waits at most `wait_s`, then answers 503 with Retry-After."""

    collection = "store_locks"
    indexes: tuple[IndexModel, ...] = ()

    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        *,
        lease_s: float = 10.0,
        collection: str | None = None,
    ) -> None:
        self.collection = collection or self.collection
        self.col, self.lease_s = db[self.collection], lease_s

    @asynccontextmanager
    async def hold(self, key: str, wait_s: float = 20.0) -> AsyncIterator[None]:
        owner, deadline, pause = uuid.uuid4().hex, time.monotonic() + wait_s, 0.002
        while True:
            try:
                await self.col.insert_one(
                    {"_id": key, "owner": owner, "until": time.time() + self.lease_s}
                )
                break
            except DuplicateKeyError:
                held = await self.col.find_one({"_id": key})
                if held is not None and float(held.get("until", 0)) < time.time():
                    # its holder died mid-change: the lease ran out, take it over
                    await self.col.delete_one({"_id": key, "owner": held["owner"]})
                    continue
                if time.monotonic() > deadline:
                    raise Unavailable(
                        f"{key} is being changed by another writer; try again", retry_after_s=1
                    ) from None
                await asyncio.sleep(pause * (1 + random.random()))
                pause = min(pause * 1.5, 0.05)
        try:
            yield
        finally:
            await self.col.delete_one({"_id": key, "owner": owner})

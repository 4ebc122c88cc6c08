"""Cross-process mutual exclusion on the store, for changes no single conditional write can make.

The store applies each single-document write atomically (MongoDB; the FerretDB that
deploy/local/store.sh builds, ferretdb-atomic-document-writes.patch), so a change that is one
conditional update needs nothing here. These are for the changes that are not: a read in
Python, a decision, then a write or several (a donors programme's caps across its pledges, a
year's receipt numbers, a webhooks subscription replaced whole), and for who works a key. The
store has no transactions; what it does apply atomically is the refusal of a duplicate `_id` on
insert. Both mechanisms here stand on that alone:

- `StoreLocks`: a short-held lock per key, a document whose insert succeeds for one holder at a
  time, released by deleting it, taken over when its holder died (its `until` passed). Any
  read-modify-write done while holding it is safe from the other processes.
- `Leases`: a long-held claim per key (owner + expiry), taken, renewed and taken over only
  while holding the key's store lock, so a renewal and a takeover never interleave. Its holder
  renews it well before it runs out and does its work only while its own record of the expiry
  says it still holds it; a process that died stops renewing, and another takes the key over
  once the expiry has passed.

On MongoDB both cost a few single-document writes; the same code is correct there.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from megp_common.errors import Unavailable
from megp_common.mongo import Document


class StoreLocks:
    """One writer at a time per key, across processes, on a store without transactions."""

    indexes: tuple[IndexModel, ...] = ()

    def __init__(self, db: AsyncDatabase[Document], collection: str, *, lease_s: float = 10.0):
        self.collection = collection
        self.col, self.lease_s = db[collection], lease_s

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
                    # its holder died mid-change: the lock ran out, take it over
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


@dataclass(frozen=True)
class Claim:
    """What a claim found: whether `owner` holds the key, until when (epoch s), and who does."""

    held: bool
    holder: str | None
    until: float


class Leases:
    """Which process works a key (a webhook subscription's queue, say): one at a time, for
    `lease_s` seconds from its last renewal. Documents `{_id: key, owner, until}` in
    `collection`; every change happens under the key's `StoreLocks` lock."""

    indexes: tuple[IndexModel, ...] = ()

    def __init__(self, db: AsyncDatabase[Document], collection: str, locks: StoreLocks) -> None:
        self.collection = collection
        self.col, self.locks = db[collection], locks

    async def claim(self, key: str, owner: str, lease_s: float) -> Claim:
        """Take `key` for `owner` if it is free, expired or already `owner`'s (a renewal);
        otherwise leave it to its holder. The answer says who holds it now."""
        async with self.locks.hold(f"lease:{key}"):
            now = time.time()
            found = await self.col.find_one({"_id": key})
            if found is not None and found["owner"] != owner and float(found["until"]) >= now:
                return Claim(False, str(found["owner"]), float(found["until"]))
            until = now + lease_s
            await self.col.replace_one(
                {"_id": key}, {"_id": key, "owner": owner, "until": until}, upsert=True
            )
            return Claim(True, owner, until)

    async def release(self, key: str, owner: str) -> None:
        """Give `key` up at once (a process stopping cleanly), if `owner` still holds it."""
        async with self.locks.hold(f"lease:{key}"):
            found = await self.col.find_one({"_id": key})
            if found is not None and found["owner"] == owner:
                await self.col.delete_one({"_id": key})

    async def holders(self) -> dict[str, str]:
        """Every key's current holder (expired ones left out)."""
        now = time.time()
        return {
            str(d["_id"]): str(d["owner"])
            async for d in self.col.find({})
            if float(d.get("until", 0)) >= now
        }

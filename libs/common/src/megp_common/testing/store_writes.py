"""Counting the write commands a store client sends, by collection, for tests that prove a run of
events costs one write per aggregate (`megp_common.handling.batched`)."""

from __future__ import annotations

from collections import Counter

from pymongo import AsyncMongoClient, monitoring

from megp_common.mongo import Document

WRITES = frozenset({"insert", "update", "delete", "findAndModify"})


class StoreWrites(monitoring.CommandListener):
    """The write commands sent so far, by collection (an insert, an update, a delete each)."""

    def __init__(self) -> None:
        self.by_collection: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in WRITES:
            self.by_collection[str(event.command.get(event.command_name))] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def taken(self) -> dict[str, int]:
        """The writes since the last call, and start counting again."""
        out = dict(self.by_collection)
        self.by_collection.clear()
        return out


def counting_client(url: str) -> tuple[AsyncMongoClient[Document], StoreWrites]:
    writes = StoreWrites()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        url, tz_aware=True, uuidRepresentation="standard", event_listeners=[writes]
    )
    return client, writes

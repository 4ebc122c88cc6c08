"""Counting the write commands a store client sends, by collection, for tests that prove a run of
events costs one write per aggregate (`megp_common.handling.batched`) or that a use case costs
the writes it should (trade's orders); and its reads, for tests that prove a path reads only
what it needs."""

from __future__ import annotations

from collections import Counter

from pymongo import AsyncMongoClient, monitoring

from megp_common.mongo import Document

WRITES = frozenset({"insert", "update", "delete", "findAndModify"})
READS = frozenset({"find", "getMore", "aggregate", "count", "distinct"})


class StoreWrites(monitoring.CommandListener):
    """The write commands sent so far, by collection (an insert, an update, a delete each; a
    bulk write of one kind is one command), and the read commands in `reads`."""

    def __init__(self) -> None:
        self.by_collection: Counter[str] = Counter()
        self.reads_by_collection: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if name in WRITES:
            self.by_collection[str(event.command.get(name))] += 1
        elif name in READS:
            target = event.command.get(name)  # a getMore names its collection apart
            collection = target if isinstance(target, str) else event.command.get("collection")
            self.reads_by_collection[str(collection)] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def taken(self) -> dict[str, int]:
        """The writes since the last call, and start counting again."""
        out = dict(self.by_collection)
        self.by_collection.clear()
        return out

    def reads_taken(self) -> dict[str, int]:
        """The read commands (a query and each further batch of it) since the last call."""
        out = dict(self.reads_by_collection)
        self.reads_by_collection.clear()
        return out


def counting_client(url: str) -> tuple[AsyncMongoClient[Document], StoreWrites]:
    writes = StoreWrites()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        url, tz_aware=True, uuidRepresentation="standard", event_listeners=[writes]
    )
    return client, writes

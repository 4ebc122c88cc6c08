"""Counting the write commands a store client sends, by collection, for tests that prove a run of
events costs one write per aggregate (`megp_common.handling.batched`) or that a use case costs
the writes it should (trade's orders); the read commands are counted beside them."""

from __future__ import annotations

from collections import Counter

from pymongo import AsyncMongoClient, monitoring

from megp_common.mongo import Document

WRITES = frozenset({"insert", "update", "delete", "findAndModify"})
READS = frozenset({"find", "aggregate", "count", "distinct", "getMore"})


class StoreWrites(monitoring.CommandListener):
    """The write commands sent so far, by collection (an insert, an update, a delete each; a
    bulk write of one kind is one command), and the read commands in `reads`."""

    def __init__(self) -> None:
        self.by_collection: Counter[str] = Counter()
        self.reads: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if name in WRITES:
            self.by_collection[str(event.command.get(name))] += 1
        elif name in READS:
            field = "collection" if name == "getMore" else name
            self.reads[str(event.command.get(field))] += 1

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
        """The reads since the last call, and start counting them again."""
        out = dict(self.reads)
        self.reads.clear()
        return out


def counting_client(url: str) -> tuple[AsyncMongoClient[Document], StoreWrites]:
    writes = StoreWrites()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        url, tz_aware=True, uuidRepresentation="standard", event_listeners=[writes]
    )
    return client, writes

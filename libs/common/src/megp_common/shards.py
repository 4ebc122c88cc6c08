"""Shard keys: what a caller knows of where an aggregate lives (`Shard`), the keys each
repository names (SHARD_KEYS), and the listener that counts the filters a sharded cluster could
route to one key and those it could not (`megp_store_shard_filters_total`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import monitoring

from megp_common.metrics import STORE_SHARD_FILTERS
from megp_common.store import Document


@dataclass(frozen=True, slots=True)
class Shard:
    """What a caller knows of where an aggregate lives: its state and its group (None: not
    known). A load given one names them in its filter, so that a sharded cluster asks only the
    shards of that key (AggregateRepository.shard_key); a wrong hint costs a second read."""

    state: str | None = None
    group: str | None = None

    @classmethod
    def in_scope(cls, states: Iterable[str], group: str | None = None) -> Shard:
        """The hint a caller's state scope gives: its state when it has exactly one."""
        scope = set(states)
        state = next(iter(scope)) if len(scope) == 1 and "*" not in scope else None
        return cls(state, group)


#: namespace ("db.collection") -> its shard key's fields, filled by each repository this
#: process builds; the filters ShardFilterCounter checks
SHARD_KEYS: dict[str, tuple[str, ...]] = {}


def shard_filters(
    database: str, command: Mapping[str, Any]
) -> tuple[str, str, list[Document]] | None:
    """(namespace, command name, filters) of a read or write on a collection in SHARD_KEYS."""
    name = next(iter(command), "")
    key = ShardFilterCounter.FILTERS.get(name)
    target = command.get(name)
    if key is None or not isinstance(target, str):
        return None
    ns = f"{database}.{target}"
    if ns not in SHARD_KEYS:
        return None
    body = command.get(key)
    if isinstance(body, list):
        return ns, name, [dict(x.get("q", {})) for x in body]
    return ns, name, [dict(body or {})]


def carries_key(fields: Sequence[str], query: Mapping[str, Any]) -> bool:
    """True when `query` names every field of a shard key by equality (a value, not an
    operator): what a sharded cluster routes to the shards of one key."""
    for field in fields:
        if field not in query:
            return False
        value = query[field]
        if isinstance(value, Mapping) and any(str(k).startswith("$") for k in value):
            return False
    return True


class ShardFilterCounter(monitoring.CommandListener):
    """Counts the filters sent to a collection with a shard key, keyed or not, by their fields
    (`megp_store_shard_filters_total` on /metrics): how a sharded cluster would route them."""

    FILTERS = {"find": "filter", "update": "updates", "delete": "deletes", "findAndModify": "query"}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in self.FILTERS:
            return
        found = shard_filters(event.database_name, event.command)
        if found is None:
            return
        ns, name, filters = found
        database, collection = ns.split(".", 1)
        for query in filters:
            keyed = "yes" if carries_key(SHARD_KEYS[ns], query) else "no"
            shape = ",".join(sorted(query))
            STORE_SHARD_FILTERS.labels(database, collection, name, keyed, shape).inc()

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

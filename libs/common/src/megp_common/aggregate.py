"""Base of every aggregate: a version for optimistic concurrency, the events it produced since it
was loaded (its outbox, committed in the same write as its state), and the ids of the consumed
events whose effect it already holds (what makes a consumer's handling idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr

from megp_common.context import CausalContext, handling_context
from megp_common.events import EventPayload


@dataclass(frozen=True)
class RecordedEvent:
    payload: EventPayload
    key: str
    state: str | None
    #: the event being handled when this one was recorded (None: the commit's own context)
    context: CausalContext | None = None


class Aggregate(BaseModel):
    model_config = ConfigDict(validate_assignment=False, extra="ignore")

    # How many consumed-event ids an aggregate remembers. Redeliveries arrive within one consumer
    # batch or one relay sweep of the original, far inside this window.
    APPLIED_MEMORY: ClassVar[int] = 1000

    id: str
    version: int = 0
    applied: list[str] = []

    _recorded: list[RecordedEvent] = PrivateAttr(default_factory=list)
    #: the shard-key fields as the store holds them (set by the repository that read or wrote
    #: this copy: megp_common.mongo.AggregateRepository.shard_key); None: never stored
    _stored_key: dict[str, object] | None = PrivateAttr(default=None)
    #: each top-level stored field's fingerprint as the store holds it at `version` (set by the
    #: repository that read or committed this copy: a commit sends only the fields that
    #: differ, megp_common.mongo.stored_fields); None: unknown, the next commit sends them all
    _stored_fields: dict[str, object] | None = PrivateAttr(default=None)
    #: the answers of keyed requests its document keeps, as read or last committed (one
    #: compressed value, megp_common.answers); None: none, or never read
    _answers: bytes | None = PrivateAttr(default=None)
    #: read as a view shared by concurrent readers (AggregateRepository.view): never committed
    _shared: bool = PrivateAttr(default=False)

    @property
    def shared_view(self) -> bool:
        """Read as a view shared with other readers (AggregateRepository.view): look only."""
        return self._shared

    def partition_key(self) -> str:
        """The Kafka key of this aggregate's events; override to key by project group."""
        return self.id

    def state_code(self) -> str | None:
        return None

    def record(self, payload: EventPayload, *, key: str | None = None) -> None:
        self._recorded.append(
            RecordedEvent(
                payload, key or self.partition_key(), self.state_code(), handling_context()
            )
        )

    def pending_events(self) -> list[RecordedEvent]:
        return list(self._recorded)

    def clear_pending(self) -> None:
        self._recorded.clear()

    def has_applied(self, event_id: str) -> bool:
        return event_id in self.applied

    def mark_applied(self, event_id: str) -> None:
        self.applied.append(event_id)
        if len(self.applied) > self.APPLIED_MEMORY:
            del self.applied[: len(self.applied) - self.APPLIED_MEMORY]

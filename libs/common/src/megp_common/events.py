"""The one envelope every domain event travels in, and the registry of typed payloads.

The envelope carries the CloudEvents 1.0 attributes (`specversion id source type subject time
datacontenttype data`) and these extension attributes: `correlationid`, `causationid`, `state`
(the federal entity, our tenant: an INEGI code "01".."32"), `schemaversion` and `partitionkey`
(the Kafka key: the project group id, or the participant id where there is no group).

A payload is a pydantic model registered under its event type with `@event_type(...)`. Within a
schema version a payload may only gain optional fields; consumers ignore fields they do not know.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, Literal, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field

from megp_common.context import CausalContext, current_context
from megp_common.ids import new_id


class EventPayload(BaseModel):
    """Base of every event payload. Frozen; unknown fields are ignored when read."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1


P = TypeVar("P", bound=type[EventPayload])

_REGISTRY: dict[str, type[EventPayload]] = {}


def event_type(name: str, *, version: int = 1) -> Callable[[P], P]:
    """Register a payload model under `<service>.<EventName>`."""

    def register(cls: P) -> P:
        existing = _REGISTRY.get(name)
        if existing is not None and existing is not cls:
            raise ValueError(f"event type {name} is already registered by {existing.__name__}")
        cls.event_type = name
        cls.schema_version = version
        _REGISTRY[name] = cls
        return cls

    return register


def registered_types() -> dict[str, type[EventPayload]]:
    return dict(_REGISTRY)


def payload_model(name: str) -> type[EventPayload]:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownEventType(name) from None


class UnknownEventType(LookupError):
    pass


class EventEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: Literal["1.0"] = "1.0"
    id: str
    source: str = Field(description="URI reference of the publishing service, e.g. /megp/funds")
    type: str = Field(description="Registered event type, e.g. funds.InflowRecorded")
    subject: str | None = Field(default=None, description="Id of the aggregate it is about")
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]
    correlationid: str
    causationid: str | None = None
    state: str | None = Field(default=None, description="INEGI code of the federal entity")
    schemaversion: int = 1
    partitionkey: str

    def payload(self) -> EventPayload:
        return payload_model(self.type).model_validate(self.data)

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_json(cls, raw: bytes | str) -> EventEnvelope:
        return cls.model_validate(orjson.loads(raw))


def make_event(
    payload: EventPayload,
    *,
    source: str,
    key: str,
    time: datetime,
    subject: str | None = None,
    state: str | None = None,
    event_id: str | None = None,
    context: CausalContext | None = None,
) -> EventEnvelope:
    """Wrap a payload, continuing `context` or else the causal context of the work in progress."""
    ctx = context or current_context()
    return EventEnvelope(
        id=event_id or new_id(),
        source=source,
        type=payload.event_type,
        subject=subject,
        time=time,
        data=payload.model_dump(mode="json"),
        correlationid=ctx.correlation_id,
        causationid=ctx.causation_id,
        state=state,
        schemaversion=payload.schema_version,
        partitionkey=key,
    )

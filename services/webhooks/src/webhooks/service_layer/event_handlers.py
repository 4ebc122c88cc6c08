"""Funds' and credit's events -> deliveries: learn which bank holds each fund and lends each
line and loan (domain/catalogue.py), then queue the event, redacted, once per subscription of
that bank that asked for its type. Donors' events go the same way to the subscriptions of the
association they name (a donor portal's). Idempotent: a delivery's id is subscription:event."""

from __future__ import annotations

import json
import time
from typing import Any

from megp_common.consumer import BatchHandler, Handler
from megp_common.contracts import credit, donors, funds
from megp_common.events import EventEnvelope
from webhooks.domain.catalogue import (
    ASSOCIATION,
    ASSOCIATION_REGISTERED,
    BANK,
    DONOR_EVENTS,
    EVENT_TYPES,
    association_of,
    bank_of,
    holding_asked,
    learnt,
    ordering_key,
)
from webhooks.domain.redaction import redact
from webhooks.service_layer.container import Services

_last_seq = [0]


def next_seq() -> int:
    """Queue order: nanoseconds since the epoch, strictly increasing within the process (one
    process consumes a partition at a time, in order); fits the store's 8-byte integers."""
    _last_seq[0] = max(time.time_ns(), _last_seq[0] + 1)
    return _last_seq[0]


def payload_of(env: EventEnvelope, data: dict[str, Any]) -> str:
    """The body a bank receives (Standard Webhooks' type, timestamp, data)."""
    return json.dumps(
        {
            "type": env.type,
            "timestamp": env.time.isoformat(),
            "data": {"event_id": env.id, "subject": env.subject, **redact(data)},
        },
        separators=(",", ":"),
        default=str,
    )


#: the contracts whose payloads the consumer decodes (importing them registers their types)
CONTRACTS = (funds, credit, donors)


def handlers(services: Services) -> dict[str, Handler]:
    async def deliveries_of(env: EventEnvelope, event: Any) -> list[dict[str, Any]]:
        data: dict[str, Any] = event.model_dump(mode="json")
        for holding in learnt(env.type, data):
            await services.holdings.learn(holding)
        asked = holding_asked(env.type, data)
        known: dict[tuple[str, str], str] = {}
        if asked is not None:
            found = await services.holdings.bank(*asked)
            if found is not None:
                known[asked] = found
        bank, kind = bank_of(env.type, data, known), BANK
        if env.type in DONOR_EVENTS:
            bank, kind = association_of(env.type, data), ASSOCIATION
        if bank is None:
            return []
        body = payload_of(env, data)
        return [
            {
                "_id": f"{sub.id}:{env.id}",
                "subscription_id": sub.id,
                "webhook_id": f"msg_{env.id}",
                "event_id": env.id,
                "event_type": env.type,
                "ordering_key": ordering_key(env.type, data),
                "seq": next_seq(),
                "body": body,
                "created_at": services.wall_now(),
            }
            for sub in await services.subscriptions.active(bank)
            if sub.wants(env.type, bank, kind)
        ]

    async def handle(items: list[tuple[EventEnvelope, Any]]) -> None:
        """A run of events (a group's instalments, one event per loan): each learnt and
        addressed in order, then all their deliveries queued together (two writes for the run,
        not two per event; a redelivered one is queued once, `enqueue_many`)."""
        queued: list[dict[str, Any]] = []
        for env, event in items:
            queued += await deliveries_of(env, event)
        await services.deliveries.enqueue_many(queued)

    return dict.fromkeys(
        (*EVENT_TYPES, *DONOR_EVENTS, ASSOCIATION_REGISTERED), BatchHandler(handle)
    )

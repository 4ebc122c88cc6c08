"""Telling a bank that one of its subscriptions was disabled (`domain/notices.py`): the notice
is kept in its notices list and queued, signed, to each of its other active subscriptions
(each in its own queue, so a notice waits for nothing but that receiver's earlier events)."""

from __future__ import annotations

import json

from webhooks.domain.notices import Notice, disabled_notice
from webhooks.domain.subscription import Subscription
from webhooks.service_layer.container import Services
from webhooks.service_layer.event_handlers import next_seq


def notice_body(notice: Notice) -> str:
    return json.dumps(
        {"type": notice.type, "timestamp": notice.at.isoformat(), "data": notice.data},
        separators=(",", ":"),
        default=str,
    )


async def tell_disabled(services: Services, sub: Subscription, *, by_bank: bool) -> Notice:
    """Record and send the notice of `sub`'s disabling (once per disabling: its id is the
    subscription's and the time it was disabled)."""
    at = sub.disabled_at or services.wall_now()
    notice = disabled_notice(
        f"ntc_{sub.id}_{int(at.timestamp() * 1000)}",
        sub.bank,
        sub.id,
        sub.url,
        at,
        sub.disabled_reason or "disabled",
        by_bank,
    )
    await services.notices.add(notice)
    body = notice_body(notice)
    await services.deliveries.enqueue_many(
        [
            {
                "_id": f"{other.id}:{notice.id}",
                "subscription_id": other.id,
                "webhook_id": f"msg_{notice.id}",
                "event_id": notice.id,
                "event_type": notice.type,
                "ordering_key": sub.id,
                "seq": next_seq(),
                "body": body,
                "created_at": services.wall_now(),
            }
            for other in await services.subscriptions.active(sub.bank)
            if other.id != sub.id and other.subscriber == sub.subscriber
        ]
    )
    return notice

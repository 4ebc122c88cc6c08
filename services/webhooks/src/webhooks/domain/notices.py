"""The service's own notices to a bank about its subscriptions.

`webhooks.SubscriptionDisabled`: a subscription stopped receiving (its receiver failed for a
day, or the bank disabled it). The bank is told three ways, since the disabled endpoint itself
is the one place that cannot hear it:
- the notice is queued, signed like any delivery, to each of the bank's other active
  subscriptions (a bank wanting a dedicated contact endpoint subscribes one to
  `webhooks.SubscriptionDisabled` only);
- it is kept in the bank's notices list (`GET /v1/notices`), read by polling;
- the subscription itself shows `status: disabled` and the reason.
Nothing here names a person: a notice carries the subscription's id, URL, reason and time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

SUBSCRIPTION_DISABLED = "webhooks.SubscriptionDisabled"


@dataclass(frozen=True)
class Notice:
    id: str
    bank: str
    type: str
    subscription_id: str
    at: datetime
    data: dict[str, Any]


def disabled_notice(
    notice_id: str,
    bank: str,
    subscription_id: str,
    url: str,
    at: datetime,
    reason: str,
    by_bank: bool,
) -> Notice:
    return Notice(
        id=notice_id,
        bank=bank,
        type=SUBSCRIPTION_DISABLED,
        subscription_id=subscription_id,
        at=at,
        data={
            "notice_id": notice_id,
            "subscription_id": subscription_id,
            "url": url,
            "disabled_at": at.isoformat(),
            "reason": reason,
            "disabled_by": "bank" if by_bank else "service",
            "enable": f"POST /v1/subscriptions/{subscription_id}/enable",
        },
    )

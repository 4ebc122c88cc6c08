"""What the webhooks service's handlers, queues and routes work with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from megp_common.clock import SettableClock
from megp_common.web import IdempotencyStore
from webhooks.adapters.repositories import (
    DeliveryRepository,
    HoldingRepository,
    NoticeRepository,
    SubscriptionRepository,
)
from webhooks.config import Settings


@dataclass
class Services:
    settings: Settings
    clock: SettableClock
    subscriptions: SubscriptionRepository
    holdings: HoldingRepository
    deliveries: DeliveryRepository
    notices: NoticeRepository
    idempotency: IdempotencyStore

    def wall_now(self) -> datetime:
        """Deliveries run on the wall clock: a receiver checks `webhook-timestamp` against its
        own, whatever the programme's simulated clock says."""
        return datetime.now(UTC)

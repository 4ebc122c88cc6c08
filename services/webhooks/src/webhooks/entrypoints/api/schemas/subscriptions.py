"""Request and response models of subscriptions and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from megp_common.schemas import RequestModel
from webhooks.domain.catalogue import EVENT_TYPES
from webhooks.domain.subscription import Subscription


class SubscriptionCreate(RequestModel):
    url: str = Field(min_length=8, max_length=2000, examples=["https://bank.example/megp-hooks"])
    event_types: list[str] = Field(
        min_length=1, max_length=len(EVENT_TYPES), examples=[["funds.InflowRecorded"]]
    )
    description: str | None = Field(default=None, max_length=500)


class SubscriptionPublic(BaseModel):
    id: str
    bank: str
    url: str
    event_types: list[str]
    status: str
    created_at: datetime
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    description: str | None = None

    @classmethod
    def of(cls, s: Subscription) -> SubscriptionPublic:
        return cls(
            id=s.id,
            bank=s.bank,
            url=s.url,
            event_types=s.event_types,
            status=s.status,
            created_at=s.created_at,
            disabled_at=s.disabled_at,
            disabled_reason=s.disabled_reason,
            description=s.description,
        )


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(
        description="The signing secret (whsec_...): shown in this answer only; verify "
        "webhook-signature with it"
    )

    @classmethod
    def created(cls, s: Subscription) -> SubscriptionCreated:
        return cls(**SubscriptionPublic.of(s).model_dump(), secret=s.secret)


class AttemptPublic(BaseModel):
    number: int
    at: datetime
    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int


class DeliveryPublic(BaseModel):
    id: str
    webhook_id: str = Field(description="The webhook-id header: the same on every attempt")
    event_id: str
    event_type: str
    status: str = Field(description="pending | delivered | failed")
    attempts: list[AttemptPublic]

    @classmethod
    def of(cls, d: dict[str, Any]) -> DeliveryPublic:
        return cls(
            id=d["_id"],
            webhook_id=d["webhook_id"],
            event_id=d["event_id"],
            event_type=d["event_type"],
            status=d["status"],
            attempts=[AttemptPublic(**a) for a in d.get("attempts", [])],
        )


class DeliveryReplayed(BaseModel):
    id: str
    status: str

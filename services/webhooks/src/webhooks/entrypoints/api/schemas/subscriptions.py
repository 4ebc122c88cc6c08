"""Request and response models of subscriptions and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from megp_common.schemas import RequestModel
from webhooks.domain.catalogue import SUBSCRIBABLE
from webhooks.domain.notices import Notice
from webhooks.domain.subscription import Subscription


class SubscriptionCreate(RequestModel):
    url: str = Field(min_length=8, max_length=2000, examples=["https://bank.example/megp-hooks"])
    event_types: list[str] = Field(
        min_length=1,
        max_length=max(len(x) for x in SUBSCRIBABLE.values()),
        examples=[["funds.InflowRecorded"]],
        description="A bank: funds' and credit's events; a donor portal: donors' events",
    )
    description: str | None = Field(default=None, max_length=500)


class SubscriptionPublic(BaseModel):
    id: str
    bank: str = Field(description="The subscriber: the bank's name, or the association's id")
    subscriber: str = Field(default="bank", description="bank | association")
    url: str
    event_types: list[str]
    status: str
    created_at: datetime
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    description: str | None = None
    secret_rotated_at: datetime | None = None
    previous_secret_until: datetime | None = Field(
        default=None, description="Until when the secret replaced at the last rotation signs too"
    )

    @classmethod
    def of(cls, s: Subscription) -> SubscriptionPublic:
        return cls(
            id=s.id,
            bank=s.bank,
            subscriber=s.subscriber,
            url=s.url,
            event_types=s.event_types,
            status=s.status,
            created_at=s.created_at,
            disabled_at=s.disabled_at,
            disabled_reason=s.disabled_reason,
            description=s.description,
            secret_rotated_at=s.secret_rotated_at,
            previous_secret_until=s.previous_secret_until,
        )


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(
        description="The signing secret (whsec_...): shown in this answer only; verify "
        "webhook-signature with it"
    )

    @classmethod
    def created(cls, s: Subscription) -> SubscriptionCreated:
        return cls(**SubscriptionPublic.of(s).model_dump(), secret=s.secret)


class SecretRotated(SubscriptionCreated):
    """The subscription after a rotation: `secret` is the new one (shown in this answer only,
    and to this caller's retries); the old one signs too until `previous_secret_until`."""

    @classmethod
    def rotated(cls, s: Subscription) -> SecretRotated:
        return cls(**SubscriptionPublic.of(s).model_dump(), secret=s.secret)


class NoticePublic(BaseModel):
    id: str
    bank: str
    type: str = Field(description="webhooks.SubscriptionDisabled")
    subscription_id: str
    at: datetime
    data: dict[str, Any] = Field(description="The notice's body, as delivered")

    @classmethod
    def of(cls, n: Notice) -> NoticePublic:
        return cls(
            id=n.id,
            bank=n.bank,
            type=n.type,
            subscription_id=n.subscription_id,
            at=n.at,
            data=n.data,
        )


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

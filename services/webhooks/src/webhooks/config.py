from typing import Self

from pydantic import Field, model_validator

from megp_common.settings import ServiceSettings
from webhooks.domain.backoff import Backoff


class Settings(ServiceSettings):
    """Settings of the webhooks service (environment variables override every default)."""

    service_name: str = "webhooks"
    http_port: int = 8006
    allow_http_urls: bool = Field(
        default=True, description="Accept http:// subscriber URLs (never in production)"
    )
    delivery_timeout_s: float = Field(
        default=10.0, gt=0, description="How long one delivery attempt waits for an answer"
    )
    delivery_poll_interval_s: float = Field(
        default=0.2, gt=0, description="How often an idle subscription's queue looks for work"
    )
    retry_first_s: float = Field(default=5.0, ge=0, description="Wait after the first failure")
    retry_factor: float = Field(
        default=2.0, ge=1, description="Each further wait is this times longer"
    )
    retry_max_s: float = Field(default=3600.0, ge=0, description="The longest wait")
    retry_max_attempts: int = Field(
        default=35,
        ge=1,
        description="Attempts before a delivery is marked failed (35 at the defaults: about 25 h,"
        " so a subscriber failing for a day is disabled first)",
    )

    disable_after_failing_s: float = Field(
        default=86_400.0,
        gt=0,
        description="Disable a subscription whose oldest pending delivery has failed this long",
    )

    secret_overlap_s: float = Field(
        default=86_400.0,
        ge=0,
        description="After a secret's rotation, how long the old secret keeps signing too",
    )
    queue_lease_s: float = Field(
        default=30.0,
        gt=0,
        description="How long a process holds a subscription's queue without renewing it (it"
        " renews at a third); another process takes a queue over once this has passed",
    )
    lease_check_interval_s: float = Field(
        default=1.0, gt=0, description="How often a process looks for queues to take or renew"
    )

    @model_validator(mode="after")
    def _lease_outlasts_attempts(self) -> Self:
        if self.queue_lease_s < 2 * self.delivery_timeout_s:
            raise ValueError("QUEUE_LEASE_S must be at least twice DELIVERY_TIMEOUT_S")
        return self

    @property
    def backoff(self) -> Backoff:
        return Backoff(
            first_s=self.retry_first_s,
            factor=self.retry_factor,
            max_s=self.retry_max_s,
            max_attempts=self.retry_max_attempts,
        )

    @property
    def urls_may_be_http(self) -> bool:
        return self.allow_http_urls and not self.production

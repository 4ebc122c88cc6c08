"""Secret rotation and the service's notices: what the standardwebhooks library verifies during
and after a rotation's overlap, re-enabling, and the catalogue's notice type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from webhooks.adapters.sender import signed_headers
from webhooks.domain.catalogue import EVENT_TYPES, NOTICE_TYPES, SUBSCRIBABLE
from webhooks.domain.notices import SUBSCRIPTION_DISABLED, disabled_notice
from webhooks.domain.subscription import (
    ACTIVE,
    DISABLED,
    Subscription,
    checked_types,
    new_secret,
)

BODY = '{"type":"funds.InflowRecorded","data":{"fund_id":"g1"}}'
DAY = 86_400.0


def subscription(secret: str) -> Subscription:
    return Subscription(
        id="whs_1",
        bank="Banorte",
        url="https://bank.example/hooks",
        event_types=["funds.InflowRecorded"],
        secret=secret,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def delivered_at(sub: Subscription, when: datetime) -> dict[str, str]:
    """A delivery's headers as the sender makes them at `when` (signed by the library)."""
    return signed_headers(sub.signing_secrets(when), "msg_1", BODY, when)


def verifies(secret: str, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(BODY, headers)
    except WebhookVerificationError:
        return False
    return True


def test_during_the_overlap_either_secret_verifies_and_after_it_only_the_new_one() -> None:
    old, new = new_secret(), new_secret()
    now = datetime.now(UTC)
    sub = subscription(old)
    sub.rotate_secret(new, now - timedelta(hours=23), DAY)  # rotated 23 h ago: in the overlap
    during = delivered_at(sub, now)
    assert len(during["webhook-signature"].split(" ")) == 2
    assert verifies(old, during) and verifies(new, during)
    assert not verifies(new_secret(), during)

    sub = subscription(old)
    sub.rotate_secret(new, now - timedelta(hours=25), DAY)  # 25 h ago: the overlap is over
    after = delivered_at(sub, now)
    assert len(after["webhook-signature"].split(" ")) == 1
    assert verifies(new, after) and not verifies(old, after)


def test_before_any_rotation_one_secret_signs() -> None:
    secret = new_secret()
    headers = delivered_at(subscription(secret), datetime.now(UTC))
    signature = headers["webhook-signature"]
    assert signature.startswith("v1,") and " " not in signature
    assert verifies(secret, headers)


def test_rotating_again_during_an_overlap_ends_the_oldest_secret() -> None:
    first, second, third = new_secret(), new_secret(), new_secret()
    now = datetime.now(UTC)
    sub = subscription(first)
    sub.rotate_secret(second, now - timedelta(hours=1), DAY)
    sub.rotate_secret(third, now, DAY)
    headers = delivered_at(sub, now + timedelta(seconds=1))
    assert verifies(third, headers) and verifies(second, headers) and not verifies(first, headers)
    assert sub.previous_secret_until == now + timedelta(days=1)


def test_a_disabled_subscription_is_enabled_once() -> None:
    sub = subscription(new_secret())
    assert sub.disable(datetime.now(UTC), "failing") and not sub.disable(datetime.now(UTC), "x")
    assert sub.status == DISABLED and not sub.wants("funds.InflowRecorded", "Banorte")
    assert sub.enable() and not sub.enable()
    assert sub.status == ACTIVE and sub.disabled_reason is None and sub.disabled_at is None
    assert sub.wants("funds.InflowRecorded", "Banorte")


def test_the_notice_type_is_subscribable_but_not_consumed() -> None:
    assert SUBSCRIPTION_DISABLED in NOTICE_TYPES and SUBSCRIPTION_DISABLED in SUBSCRIBABLE["bank"]
    assert SUBSCRIPTION_DISABLED not in EVENT_TYPES
    assert checked_types([SUBSCRIPTION_DISABLED]) == [SUBSCRIPTION_DISABLED]


def test_a_disabled_notice_names_the_subscription_and_how_to_enable_it() -> None:
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    notice = disabled_notice("ntc_1", "Banorte", "whs_1", "https://b.example/h", at, "x", False)
    assert notice.type == SUBSCRIPTION_DISABLED and notice.bank == "Banorte"
    assert notice.data["disabled_by"] == "service"
    assert notice.data["enable"] == "POST /v1/subscriptions/whs_1/enable"
    assert notice.data["disabled_at"] == at.isoformat()


@pytest.mark.parametrize("lease, timeout", [(10.0, 10.0), (1.0, 1.0)])
def test_a_queue_lease_must_outlast_two_attempts(lease: float, timeout: float) -> None:
    from pydantic import ValidationError

    from webhooks.config import Settings

    with pytest.raises(ValidationError):
        Settings(queue_lease_s=lease, delivery_timeout_s=timeout)
    assert Settings(queue_lease_s=2 * lease, delivery_timeout_s=timeout).queue_lease_s == 2 * lease

"""A bank's subscription: where it wants its events, which types, and the secret they are
signed with (Standard Webhooks, `whsec_` + base64 of 24 to 64 random bytes)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from webhooks.domain.catalogue import EVENT_TYPES
from webhooks.domain.errors import SubscriptionRefused

ACTIVE = "active"
DISABLED = "disabled"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def checked_url(url: str, *, allow_http: bool) -> str:
    parts = urlsplit(url)
    if parts.scheme not in (("https", "http") if allow_http else ("https",)):
        raise SubscriptionRefused("the URL must be https", url_scheme=parts.scheme)
    if not parts.hostname:
        raise SubscriptionRefused("the URL names no host")
    return url


def checked_types(types: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(types))
    unknown = sorted(set(wanted) - set(EVENT_TYPES))
    if unknown or not wanted:
        raise SubscriptionRefused(
            "name at least one event type, each one offered",
            unknown=unknown,
            offered=list(EVENT_TYPES),
        )
    return wanted


@dataclass
class Subscription:
    id: str
    bank: str
    url: str
    event_types: list[str]
    secret: str
    created_at: datetime
    status: str = ACTIVE
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    description: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def wants(self, event_type: str, bank: str) -> bool:
        return self.status == ACTIVE and self.bank == bank and event_type in self.event_types

    def disable(self, when: datetime, reason: str) -> None:
        if self.status == DISABLED:
            return
        self.status, self.disabled_at, self.disabled_reason = DISABLED, when, reason

"""A subscription of a partner bank, or of a donor portal for its association (`subscriber`
says which; `bank` holds the bank's name or the association's id): where it wants its events,
which types, and the secret they are signed with (Standard Webhooks, `whsec_` + base64 of 24
to 64 random bytes).

A secret rotates with an overlap: the new one signs from the rotation on, and the one it
replaces keeps signing too until `previous_secret_until`, so a receiver still verifying with
the old secret accepts every delivery while it switches. Only two secrets are ever in force:
rotating again during an overlap ends the older one's at once."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from webhooks.domain.catalogue import BANK, SUBSCRIBABLE
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


def checked_types(types: Iterable[str], subscriber: str = BANK) -> list[str]:
    """The types asked for, each offered to this kind of subscriber (a bank is offered funds'
    and credit's, a donor portal donors')."""
    wanted = list(dict.fromkeys(types))
    offered = SUBSCRIBABLE[subscriber]
    unknown = sorted(set(wanted) - set(offered))
    if unknown or not wanted:
        raise SubscriptionRefused(
            f"name at least one event type, each one offered to a {subscriber}",
            unknown=unknown,
            offered=list(offered),
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
    previous_secret: str | None = None
    previous_secret_until: datetime | None = None
    secret_rotated_at: datetime | None = None
    subscriber: str = BANK  # bank | association

    def wants(self, event_type: str, bank: str, subscriber: str = BANK) -> bool:
        return (
            self.status == ACTIVE
            and self.subscriber == subscriber
            and self.bank == bank
            and event_type in self.event_types
        )

    def disable(self, when: datetime, reason: str) -> bool:
        """Stop delivering; False if it was disabled already."""
        if self.status == DISABLED:
            return False
        self.status, self.disabled_at, self.disabled_reason = DISABLED, when, reason
        return True

    def enable(self) -> bool:
        """Deliver again, from where the queue stopped; False if it was active already."""
        if self.status == ACTIVE:
            return False
        self.status, self.disabled_at, self.disabled_reason = ACTIVE, None, None
        return True

    def rotate_secret(self, new: str, when: datetime, overlap_s: float) -> None:
        """`new` signs from now on; the current secret keeps signing for `overlap_s` more."""
        self.previous_secret, self.secret = self.secret, new
        self.previous_secret_until = when + timedelta(seconds=overlap_s)
        self.secret_rotated_at = when

    def signing_secrets(self, when: datetime) -> list[str]:
        """The secrets a delivery made at `when` is signed with: the current one, and the one
        it replaced while the overlap lasts."""
        old, until = self.previous_secret, self.previous_secret_until
        return [self.secret] + ([old] if old and until is not None and when < until else [])

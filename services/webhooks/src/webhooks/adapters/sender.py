"""One delivery attempt over HTTP, signed the Standard Webhooks way with its maintained
library: `webhook-id` (the same on every retry), `webhook-timestamp` (this attempt's) and
`webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from standardwebhooks.webhooks import Webhook


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


def signed_headers(secret: str, webhook_id: str, body: str, now: datetime) -> dict[str, str]:
    signature = Webhook(secret).sign(webhook_id, now, body)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


class Sender:
    def __init__(self, timeout_s: float) -> None:
        self.client = httpx.AsyncClient(timeout=timeout_s, follow_redirects=False)

    async def send(self, url: str, secret: str, webhook_id: str, body: str) -> Outcome:
        started = time.monotonic()
        headers = signed_headers(secret, webhook_id, body, datetime.now(UTC))
        try:
            answer = await self.client.post(url, content=body.encode(), headers=headers)
        except httpx.HTTPError as error:
            took = int((time.monotonic() - started) * 1000)
            return Outcome(False, None, f"{type(error).__name__}: {error}"[:300], took)
        took = int((time.monotonic() - started) * 1000)
        return Outcome(200 <= answer.status_code < 300, answer.status_code, None, took)

    async def close(self) -> None:
        await self.client.aclose()

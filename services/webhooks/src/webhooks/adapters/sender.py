"""One delivery attempt over HTTP, signed the Standard Webhooks way with its maintained
library: `webhook-id` (the same on every retry), `webhook-timestamp` (this attempt's) and
`webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`; during a secret's
rotation one such signature per secret in force, space-separated, as the specification allows,
so a receiver holding either secret verifies).

An attempt is bounded whatever the receiver does: `timeout_s` in all (connecting, sending, and
waiting for the status line; a receiver trickling its answer does not stretch it), the
answer's body is never read, redirects are not followed, and connections are not pooled
beyond what is kept alive, so one hanging receiver never waits for a connection another
holds."""

from __future__ import annotations

import asyncio
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


def signed_headers(
    secrets: str | list[str], webhook_id: str, body: str, now: datetime
) -> dict[str, str]:
    """The Standard Webhooks headers, signed with each secret (the current one first)."""
    keys = [secrets] if isinstance(secrets, str) else secrets
    signature = " ".join(Webhook(s).sign(webhook_id, now, body) for s in keys)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


class Sender:
    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.client = httpx.AsyncClient(
            timeout=timeout_s,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=200),
        )

    async def send(self, url: str, secrets: list[str], webhook_id: str, body: str) -> Outcome:
        started = time.monotonic()
        headers = signed_headers(secrets, webhook_id, body, datetime.now(UTC))
        try:
            async with asyncio.timeout(self.timeout_s):
                request = self.client.build_request(
                    "POST", url, content=body.encode(), headers=headers
                )
                answer = await self.client.send(request, stream=True)
                await answer.aclose()
        except (httpx.HTTPError, TimeoutError) as error:
            took = int((time.monotonic() - started) * 1000)
            return Outcome(False, None, f"{type(error).__name__}: {error}"[:300], took)
        took = int((time.monotonic() - started) * 1000)
        return Outcome(200 <= answer.status_code < 300, answer.status_code, None, took)

    async def close(self) -> None:
        await self.client.aclose()

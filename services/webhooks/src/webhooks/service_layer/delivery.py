"""The delivery queues: one task per active subscription, each sending its own queue strictly
in order (so in order per fund), waiting out its own backoff. A slow or failing subscriber
holds only its own queue; the others go on. A delivery is tried until it is answered 2xx or
`retry_max_attempts` attempts failed (then it is marked failed, kept in the log, and the queue
goes on)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Protocol

from webhooks.adapters.repositories import DELIVERED, FAILED, PENDING
from webhooks.domain.backoff import failing_too_long
from webhooks.service_layer.container import Services

log = logging.getLogger(__name__)


class Outcome(Protocol):
    @property
    def ok(self) -> bool: ...
    @property
    def status_code(self) -> int | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def duration_ms(self) -> int: ...


class SendsDeliveries(Protocol):
    async def send(self, url: str, secret: str, webhook_id: str, body: str) -> Outcome: ...


class Dispatcher:
    def __init__(self, services: Services, sender: SendsDeliveries) -> None:
        self.services = services
        self.sender = sender
        self.queues: dict[str, asyncio.Task[None]] = {}

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self.reconcile()
                except Exception:
                    log.exception("webhooks: could not read the subscriptions")
                await asyncio.sleep(self.services.settings.delivery_poll_interval_s)
        finally:
            for task in self.queues.values():
                task.cancel()
            for task in self.queues.values():
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def reconcile(self) -> None:
        active = {s.id for s in await self.services.subscriptions.active()}
        for sub_id in active - self.queues.keys():
            self.queues[sub_id] = asyncio.create_task(self.serve(sub_id), name=f"webhook {sub_id}")
        for sub_id in list(self.queues):
            if sub_id not in active or self.queues[sub_id].done():
                self.queues.pop(sub_id).cancel()

    async def serve(self, sub_id: str) -> None:
        poll = self.services.settings.delivery_poll_interval_s
        while True:
            try:
                worked = await self.deliver_next(sub_id)
            except Exception:
                log.exception("webhooks: queue %s failed a turn", sub_id)
                worked = False
            if not worked:
                await asyncio.sleep(poll)

    async def deliver_next(self, sub_id: str) -> bool:
        """Make the head delivery's next attempt if it is due; True if an attempt was made."""
        s = self.services
        sub = await s.subscriptions.get(sub_id)
        if sub is None or sub.status != "active":
            return False
        head = await s.deliveries.head(sub_id)
        if head is None:
            return False
        wait = float(head.get("next_attempt_at") or 0.0) - time.time()
        if wait > 0:
            await asyncio.sleep(min(wait, s.settings.delivery_poll_interval_s))
            return False
        outcome = await self.sender.send(sub.url, sub.secret, head["webhook_id"], head["body"])
        attempts = int(head.get("attempt_count", 0)) + 1
        backoff = s.settings.backoff
        if outcome.ok:
            status, next_at = DELIVERED, 0.0
        elif backoff.gives_up_after(attempts):
            status, next_at = FAILED, 0.0
        else:
            status, next_at = PENDING, time.time() + backoff.delay_after(attempts)
        await s.deliveries.attempted(
            head["_id"],
            {
                "number": attempts,
                "at": s.wall_now(),
                "status_code": outcome.status_code,
                "error": outcome.error,
                "duration_ms": outcome.duration_ms,
                "ok": outcome.ok,
            },
            status,
            next_at,
            failing_since=None if outcome.ok else float(head.get("failing_since") or time.time()),
        )
        since = None if outcome.ok else float(head.get("failing_since") or time.time())
        if failing_too_long(since, time.time(), s.settings.disable_after_failing_s):
            sub.disable(s.wall_now(), f"deliveries failing since {since:.0f} (epoch s)")
            await s.subscriptions.save(sub)
            log.warning("webhooks: subscription %s of %s disabled: failing", sub.id, sub.bank)
        return True

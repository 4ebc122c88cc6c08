"""The delivery queues: one per active subscription, sent strictly in order (so in order per
fund), each waiting out its own backoff. A slow or failing subscriber holds only its own queue;
the others go on. A delivery is tried until it is answered 2xx or `retry_max_attempts` attempts
failed (then it is marked failed, kept in the log, and the queue goes on).

Several webhooks processes may run (each consumes its share of the partitions and queues what
it consumes); each queue is worked by one of them at a time, the holder of its lease in the
store (`megp_common.locks.Leases`: owner + expiry). A process renews the leases it holds at a
third of `queue_lease_s`, and makes an attempt only while its lease has long enough left to
finish it (`delivery_timeout_s` and a tenth of the lease), so two processes never send from one
queue at once; when a process dies its leases run out and the others take its queues over,
from their head. At least once still: an attempt answered but not yet logged when its process
died is made again, with the same `webhook-id`.

Each process has one task per queue it holds (so at most one per active subscription), an
attempt is bounded by `delivery_timeout_s`, and the work is found with one query per
`delivery_poll_interval_s` for the whole process (which held queues have an entry due), not
one per queue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from megp_common.locks import Leases
from webhooks.adapters.repositories import DELIVERED, FAILED, PENDING
from webhooks.domain.backoff import failing_too_long
from webhooks.domain.subscription import Subscription
from webhooks.service_layer.container import Services
from webhooks.service_layer.notices import tell_disabled

log = logging.getLogger(__name__)

#: The longest an idle queue sleeps without looking (a safety net under the due-work wake-up),
#: and the longest one in backoff waits before looking again (a replay may have put an older
#: delivery back at its head).
IDLE_LOOK_S = 5.0
#: How long a queue goes on with the subscription it read (its URL, secrets and status): a
#: rotation, a disabling or an enabling reaches its queue within this.
SUBSCRIPTION_READ_S = 1.0
#: The lease key prefix of the processes themselves (each one's heartbeat).
PROCESS = "process:"


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
    async def send(self, url: str, secrets: list[str], webhook_id: str, body: str) -> Outcome: ...


@dataclass
class Held:
    """A queue this process holds: its task, its lease's expiry (epoch s), its wake-up."""

    until: float
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    sub: Subscription | None = None
    sub_read_at: float = 0.0


@dataclass(frozen=True)
class Turn:
    """What a queue's turn did: wait `wait_s` before the next (0: go on at once), waking early
    on new work if `wakeable`."""

    wait_s: float
    wakeable: bool = True


class Dispatcher:
    def __init__(
        self,
        services: Services,
        sender: SendsDeliveries,
        leases: Leases,
        owner: str | None = None,
    ) -> None:
        self.services = services
        self.sender = sender
        self.leases = leases
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.queues: dict[str, Held] = {}
        self.heartbeat = PROCESS + self.owner

    async def run(self) -> None:
        settings = self.services.settings
        next_check = 0.0
        try:
            while True:
                try:
                    if time.monotonic() >= next_check:
                        await self.keep_leases()
                        next_check = time.monotonic() + settings.lease_check_interval_s
                    await self.wake_due()
                except Exception:
                    log.exception("webhooks: could not look after the queues")
                await asyncio.sleep(settings.delivery_poll_interval_s)
        finally:
            held = list(self.queues)
            tasks = [t for h in self.queues.values() if (t := h.task) is not None]
            for sub_id in held:
                self._stop(sub_id)
            # an attempt cut short is made again by the next holder (same webhook-id); wait
            # for the tasks to end before giving their queues up
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                for key in [*held, self.heartbeat]:
                    await self.leases.release(key, self.owner)

    def _stop(self, sub_id: str) -> None:
        held = self.queues.pop(sub_id, None)
        if held is not None and held.task is not None:
            held.task.cancel()

    async def keep_leases(self) -> None:
        """Renew the leases held, give up those of subscriptions no longer active, and take
        free or expired ones up to a fair share of the active subscriptions among the live
        processes (each renews a lease of its own, its heartbeat). A process keeps what it
        holds even above its share (handing a queue over mid-attempt would send twice)."""
        s = self.services.settings
        # this process's own lease says it is alive: the others count it in their share
        await self.leases.claim(self.heartbeat, self.owner, s.queue_lease_s)
        active = await self.services.subscriptions.active_ids()
        for sub_id in list(self.queues):
            task = self.queues[sub_id].task
            if sub_id not in active or task is None or task.done():
                self._stop(sub_id)
                await self.leases.release(sub_id, self.owner)
        for sub_id, held in list(self.queues.items()):
            if held.until - time.time() < s.queue_lease_s * 2 / 3:
                claim = await self.leases.claim(sub_id, self.owner, s.queue_lease_s)
                if claim.held:
                    held.until = claim.until
                else:
                    log.warning("webhooks: queue %s taken over by %s", sub_id, claim.holder)
                    self._stop(sub_id)
        holders = await self.leases.holders()
        processes = {o for k, o in holders.items() if k.startswith(PROCESS)} | {self.owner}
        share = math.ceil(len(active) / len(processes))
        for sub_id in sorted(active - self.queues.keys()):
            if len(self.queues) >= share:
                break
            if holders.get(sub_id) not in (None, self.owner):
                continue
            claim = await self.leases.claim(sub_id, self.owner, s.queue_lease_s)
            if claim.held:
                held = Held(until=claim.until)
                held.task = asyncio.create_task(self.serve(sub_id, held), name=f"webhook {sub_id}")
                self.queues[sub_id] = held

    async def wake_due(self) -> None:
        """Wake the held queues that have an entry due (one query for them all)."""
        if not self.queues:
            return
        for sub_id in await self.services.deliveries.with_due_work(time.time()):
            held = self.queues.get(sub_id)
            if held is not None:
                held.wake.set()

    async def serve(self, sub_id: str, held: Held) -> None:
        while True:
            held.wake.clear()
            try:
                turn = await self.deliver_next(sub_id, held)
            except Exception:
                log.exception("webhooks: queue %s failed a turn", sub_id)
                turn = Turn(self.services.settings.delivery_poll_interval_s, wakeable=False)
            if turn.wait_s <= 0:
                continue
            if not turn.wakeable:
                await asyncio.sleep(turn.wait_s)
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(turn.wait_s):
                    await held.wake.wait()

    def may_attempt(self, held: Held) -> bool:
        """Whether the lease lasts long enough for an attempt to finish (and be logged)."""
        s = self.services.settings
        return held.until - time.time() > s.delivery_timeout_s + s.queue_lease_s / 10

    async def deliver_next(self, sub_id: str, held: Held) -> Turn:
        """Make the head delivery's next attempt if it is due."""
        s = self.services
        if held.sub is None or time.monotonic() - held.sub_read_at > SUBSCRIPTION_READ_S:
            held.sub, held.sub_read_at = await s.subscriptions.get(sub_id), time.monotonic()
        sub = held.sub
        if sub is None or sub.status != "active":
            return Turn(IDLE_LOOK_S)
        head = await s.deliveries.head(sub_id)
        if head is None:
            return Turn(IDLE_LOOK_S)
        wait = float(head.get("next_attempt_at") or 0.0) - time.time()
        if wait > 0:
            return Turn(min(wait, IDLE_LOOK_S), wakeable=False)
        if not self.may_attempt(held):
            return Turn(s.settings.delivery_poll_interval_s, wakeable=False)
        delivery = await s.deliveries.get(head["_id"])
        if delivery is None:  # not logged (cannot happen: the log is written first)
            return Turn(s.settings.delivery_poll_interval_s, wakeable=False)
        secrets = sub.signing_secrets(s.wall_now())
        outcome = await self.sender.send(sub.url, secrets, delivery["webhook_id"], delivery["body"])
        attempts = int(head.get("attempt_count", 0)) + 1
        backoff = s.settings.backoff
        if outcome.ok:
            status, next_at = DELIVERED, 0.0
        elif backoff.gives_up_after(attempts):
            status, next_at = FAILED, 0.0
        else:
            status, next_at = PENDING, time.time() + backoff.delay_after(attempts)
        since = None if outcome.ok else float(head.get("failing_since") or time.time())
        await s.deliveries.attempted(
            head,
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
            failing_since=since,
        )
        if failing_too_long(since, time.time(), s.settings.disable_after_failing_s):
            await self.disable_failing(sub_id, since or 0.0)
            held.sub = None
        return Turn(0.0)

    async def disable_failing(self, sub_id: str, since: float) -> None:
        s = self.services
        when = s.wall_now()
        reason = f"deliveries failing since {since:.0f} (epoch s)"
        done = await s.subscriptions.change(sub_id, lambda sub: sub.disable(when, reason))
        if done is not None and done[1]:
            sub = done[0]
            log.warning("webhooks: subscription %s of %s disabled: failing", sub.id, sub.bank)
            await tell_disabled(s, sub, by_bank=False)

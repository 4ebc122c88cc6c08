"""The clock-driven part of the fund: wakes when the shared clock moves, and every few seconds,
and runs what is due on every fund whose `wake_on` day has come."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from funds.domain.schedule import run_due
from funds.service_layer.container import Services, change_fund

log = structlog.get_logger(__name__)


async def run_once(services: Services) -> int:
    now = services.clock.now()
    ids = await services.funds.due_ids(now.date().isoformat())
    for fund_id in ids:
        await change_fund(services, fund_id, lambda f: run_due(f, now, services.policy))
    return len(ids)


async def scheduler_loop(services: Services, interval_s: float) -> None:
    changed = services.clock.changed
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), interval_s)
        changed.clear()
        try:
            await run_once(services)
        except Exception as exc:
            log.warning("scheduler turn failed; next turn retries", error=repr(exc))

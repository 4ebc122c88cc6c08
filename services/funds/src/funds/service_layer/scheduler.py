"""The clock-driven part of the fund: what is due on every fund whose `wake_on` day has come. The
platform's one scheduler (megp_common.scheduler.clock_driven) runs it when the shared clock moves
and every few seconds."""

from __future__ import annotations

from datetime import datetime

from funds.domain.schedule import run_due
from funds.service_layer.container import Services, change_fund


async def run_once(services: Services, now: datetime | None = None) -> int:
    now = now or services.clock.now()
    ids = await services.funds.due_ids(now.date().isoformat())
    for fund_id in ids:
        await change_fund(services, fund_id, lambda f: run_due(f, now, services.policy))
    return len(ids)

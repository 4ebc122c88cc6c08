"""What the passing of time does in ip-counsel: each filing whose day came (`wake_on`: a
reminder day, the day after a due date, the day after its term's last day) is ticked with the
shared clock's date, `Filing.due(today)`, and saved with the version check. The aggregate
records what it announced, so a tick that runs twice, or after a crash, or beside an HTTP
write (whose commit wins, the tick reading again on its next turn) announces each reminder,
miss, lapse and expiry once."""

from __future__ import annotations

from datetime import date, datetime

import structlog

from ip_counsel.service_layer.container import Services
from megp_common.mongo import ConcurrencyConflict

log = structlog.get_logger(__name__)

#: Passes one tick makes at most over the filings due (each pass at most `scheduler_batch`).
PASSES = 20


async def due_filings(services: Services, today: date) -> int:
    """Tick every filing whose day came by `today`; how many were saved."""
    saved = 0
    batch = services.settings.scheduler_batch
    for _ in range(PASSES):
        found = await services.filings.waking_by(today, batch)
        for filing in found:
            filing.due(today)
            try:
                await services.filings.save(filing)
            except ConcurrencyConflict:
                log.info("filing changed while ticking; next turn", filing_id=filing.id)
                continue
            saved += 1
        if len(found) < batch:
            break
    return saved


async def tick(services: Services, now: datetime) -> None:
    await due_filings(services, now.date())

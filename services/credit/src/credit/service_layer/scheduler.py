"""What the passing of time does in credit: instalments and rents fall due, leases default,
lines are reviewed. Idempotent: it acts on what the state says is due, however often it runs."""

from __future__ import annotations

import contextlib
from datetime import datetime

from credit.domain.conduct import conduct_in
from credit.service_layer.container import Credit
from megp_common.mongo import ConcurrencyConflict


async def tick(credit: Credit, now: datetime) -> None:
    today = now.date()
    odf_of: dict[str, str | None] = {}  # one read per group per tick, only when something is due
    # the repositories' in-memory indexes name what is due: no tick reads every loan
    for loan in await credit.loans.with_due.fetch_up_to(today.isoformat()):
        if loan.group_id not in odf_of:
            group = await credit.groups.find(loan.group_id)
            odf_of[loan.group_id] = group.odf_id if group else None
        if loan.announce_due(today, odf_id=odf_of[loan.group_id]):
            await _save(credit.loans, loan)
    for lease in await credit.leases.active.fetch_equal_to("active"):
        lease.announce_due(today)
        lease.check_default(today, credit.settings.lease_default_after_days)
        if lease.pending_events():
            await _save(credit.leases, lease)
    for line in await credit.lines.reviews.fetch_up_to(today.isoformat()):
        start, end = line.review_period()
        loans = await credit.loans.by_group.fetch_equal_to(line.id)
        while line.review(today, conduct_in(loans, start, end), credit.terms):
            start, end = line.review_period()  # a clock that jumped may owe several reviews
        if line.pending_events():
            await _save(credit.lines, line)


async def _save(repo, aggregate) -> None:  # type: ignore[no-untyped-def]
    # changed meanwhile (a payment arrived): the next tick sees the new state
    with contextlib.suppress(ConcurrencyConflict):
        await repo.save(aggregate)

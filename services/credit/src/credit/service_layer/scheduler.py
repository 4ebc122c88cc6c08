"""What the passing of time does in credit: instalments and rents fall due, leases default,
lines are reviewed. Idempotent: it acts on what the state says is due, however often it runs."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from credit.domain.conduct import conduct_in, in_flight
from credit.service_layer.container import Services
from credit.service_layer.lenders import take_effect_if_due
from megp_common.mongo import ConcurrencyConflict, Shard


async def tick(credit: Services, now: datetime) -> None:
    today = now.date()
    # a takeover due today moves the line's loans before any instalment of today is announced,
    # so each names its lender of record on its due date as payee [¶83]
    for line in await credit.lines.takeovers.fetch_up_to(today.isoformat()):
        with contextlib.suppress(ConcurrencyConflict):
            await take_effect_if_due(credit, line.id, today)
    odf_of: dict[str, str | None] = {}  # one read per group per tick, only when something is due
    # the repositories' in-memory indexes name what is due: no tick reads every loan
    for loan in await credit.loans.with_due.fetch_up_to(today.isoformat()):
        if loan.group_id not in odf_of:
            group = await credit.groups.find(loan.group_id, Shard(loan.state))
            odf_of[loan.group_id] = group.odf_id if group else None
        if loan.announce_due(today, odf_id=odf_of[loan.group_id]):
            await _save(credit.loans, loan)
    for lease in await credit.leases.active.fetch_equal_to("active"):
        lease.announce_due(today)
        lease.check_default(today, credit.settings.lease_default_after_days)
        if lease.pending_events():
            await _save(credit.leases, lease)
    grace = credit.settings.replenishment_grace_days
    unjudged_before = (today - timedelta(days=grace + 1)).isoformat()
    for loan in await credit.loans.awaiting_replenishment.fetch_up_to(unjudged_before):
        if loan.judge_replenishments(today, grace):  # the grace ran out, notice or not [¶84]
            await _save(credit.loans, loan)
    for line in await credit.lines.reviews.fetch_up_to(today.isoformat()):
        if credit.clock.now() < now:
            # the clock went back under this tick (only a test harness's rewind can): a review
            # dated by the old time would judge a line on loans it cannot see yet
            return
        loans = await credit.loans.by_group.fetch_equal_to(line.id)
        # every review the line owes, in order (a clock that jumped may owe several), each on a
        # consistent view: it waits while an instalment it judges has no answer from funds yet
        while line.next_review_on <= today:
            start, end = line.review_period()
            conduct = conduct_in(loans, start, end)
            if conduct is None:
                line.wait_for(in_flight(loans, end))
                break
            line.review(today, conduct, credit.terms)
        if line.pending_events() or line.changed_waiting:
            await _save(credit.lines, line)


async def _save(repo, aggregate) -> None:  # type: ignore[no-untyped-def]
    # changed meanwhile (a payment arrived): the next tick sees the new state
    with contextlib.suppress(ConcurrencyConflict):
        await repo.save(aggregate)

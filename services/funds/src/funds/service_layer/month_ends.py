"""The funds' by-state totals kept over time. When the clock has left a month behind, the
scheduler writes that month's totals per state as the journal makes them at the month's last
instant (the same figures `fund-summaries/by-state` gave at that instant, and the sum of each
fund's `statement?on=<last day>`); the history reads those small documents, never the funds.

Each fund's month is its checkpoint of the month before (`ledger.Checkpoint`, one document per
fund in `journal_checkpoints`) advanced by the month's entries: a month end reads one month of
each fund's journal, not the whole of it, so its cost does not grow with the programme's age.

Idempotent: a month is computed from the journal, which only grows forward in time (an entry is
posted at the clock's now), so writing it again writes the same values; the progress mark moves
only after a month's rows are stored. A tick with nothing due reads one document."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from funds.adapters.month_ends import FIGURES
from funds.service_layer import queries
from funds.service_layer.container import Services
from funds.service_layer.queries import StateTotals
from megp_common.auth import Principal, state_filter
from megp_common.clock import as_utc
from megp_common.mongo import Document, Shard
from megp_common.month_ends import month_end, month_of, month_range, months_ended, previous_month

PROGRAMME = "all"


async def snapshot_due(services: Services, now: datetime | None = None) -> list[str]:
    """Write every month ended and not written yet; the months written."""
    today = (now or services.clock.now()).date()
    last, due_now = await services.month_ends.last_written(today)
    if not due_now:
        return []
    docs = await services.funds.all_balances()
    opened = [as_utc(d["opened_at"]) for d in docs if d.get("opened_at") is not None]
    due = months_ended(today, last, min(opened).date() if opened else None)
    if last is None and not due:
        # the first run writes at least the last month (empty), so the progress mark exists
        # and later ticks read it alone
        due = [previous_month(month_of(today))]
    if not due:
        return []
    rows: dict[str, list[Document]] = {month: [] for month in due}
    for doc in docs:
        if doc.get("opened_at") is None or not doc.get("state"):
            continue
        fund = await services.funds.find(str(doc["_id"]), Shard(doc["state"], str(doc["_id"])))
        if fund is None or fund.opened_at is None:
            continue
        # each month from the one before: a month's entries are read once, not the journal
        base = start = await services.journal.checkpoint(fund.id)
        for month in due:
            at = month_end(month)
            if as_utc(fund.opened_at) > at:
                continue
            base = await queries.checkpoint_at(services, fund, at, base)
            rows[month].append(
                {"state": fund.state, "opened_at": fund.opened_at, "balances": base.balances}
            )
        if base is not None and base is not start:
            await services.journal.keep_checkpoint(fund.id, base)
    for month in due:
        totals = queries.totals_by_state(rows[month], None)
        await services.month_ends.store(
            month, ({"state": t.state_code, **_figures(t)} for t in totals)
        )
    return due


def _figures(t: StateTotals) -> dict[str, int]:
    return {name: int(getattr(t, name)) for name in FIGURES}


@dataclass
class MonthTotals:
    month: str
    states: list[StateTotals] = field(default_factory=list)
    total: StateTotals = field(default_factory=lambda: StateTotals(PROGRAMME))


def add(into: StateTotals, row: StateTotals) -> None:
    for name in FIGURES:
        setattr(into, name, getattr(into, name) + getattr(row, name))


async def history(
    services: Services,
    who: Principal,
    since: str | None,
    until: str | None,
    state: str | None,
) -> list[MonthTotals]:
    """Each month of the range written so far, its states within the caller's scope (or the
    one asked for: a state outside it is a 403) and their total. A month not written yet (the
    current one, or one before the first fund opened) is left out."""
    span = month_range(since, until, services.clock.now().date())
    scope = state_filter(who, state)
    kept = await services.month_ends.written(span)
    out = {m: MonthTotals(m, total=StateTotals(state or PROGRAMME)) for m in kept}
    for doc in await services.month_ends.read(kept, scope):
        month = out[str(doc["month"])]
        row = StateTotals(str(doc["state"]), **{name: int(doc[name]) for name in FIGURES})
        month.states.append(row)
        add(month.total, row)
    return [out[m] for m in kept]

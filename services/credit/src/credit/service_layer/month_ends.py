"""Credit's portfolio by state kept over time. When the clock has left a month behind, the
scheduler writes, per state, the loans being repaid at the month's last day, their principal
outstanding and its delinquency buckets (domain/month_ends.py); the history reads those small
documents, never the loans. A tick with nothing due reads one document; a month written again
is written with what the loans say of that day, which later payments do not change (a payment
is settled on or after the day it reaches credit... or before it, when the news was late: then
the month written first is kept as it was known, like the by-state report read that day)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from credit.domain.month_ends import StatePortfolio, by_state_on
from credit.service_layer.container import Services
from megp_common.auth import Principal, state_filter
from megp_common.month_ends import (
    last_day,
    month_of,
    month_range,
    months_ended,
    previous_month,
)

PROGRAMME = "all"


async def snapshot_due(services: Services, now: datetime | None = None) -> list[str]:
    """Write every month ended and not written yet; the months written."""
    today = (now or services.clock.now()).date()
    last, due_now = await services.month_ends.last_written(today)
    if not due_now:
        return []
    if last is None:
        loans = await services.loans.active() + await services.loans.repaid_after(date.min)
        disbursed = [x.disbursed_on for x in loans if x.disbursed_on is not None]
        # the first run writes the months since the first loan, or at least the last one,
        # so the progress mark exists and later ticks read it alone
        due = months_ended(today, None, min(disbursed) if disbursed else None) or [
            previous_month(month_of(today))
        ]
    else:
        due = months_ended(today, last, None)
        loans = (
            await services.loans.active() + await services.loans.repaid_after(last_day(due[0]))
            if due
            else []
        )
    for month in due:
        rows = by_state_on(loans, last_day(month))
        await services.month_ends.store(month, (_doc(r) for r in rows))
    return due


def _doc(row: StatePortfolio) -> dict[str, object]:
    return {
        "state": row.state_code,
        "loans": row.loans,
        "outstanding_principal": str(row.outstanding_principal),
        "buckets": {name: str(amount) for name, amount in sorted(row.buckets.items())},
    }


def _row(doc: dict[str, object]) -> StatePortfolio:
    buckets = doc.get("buckets") or {}
    assert isinstance(buckets, dict)
    return StatePortfolio(
        state_code=str(doc["state"]),
        loans=int(str(doc["loans"])),
        outstanding_principal=Decimal(str(doc["outstanding_principal"])),
        buckets={str(k): Decimal(str(v)) for k, v in buckets.items()},
    )


@dataclass
class PortfolioMonth:
    month: str
    states: list[StatePortfolio] = field(default_factory=list)
    total: StatePortfolio = field(default_factory=lambda: StatePortfolio(PROGRAMME))


async def history(
    services: Services,
    who: Principal,
    since: str | None,
    until: str | None,
    state: str | None,
) -> list[PortfolioMonth]:
    """Each month of the range written so far, its states within the caller's scope (or the
    one asked for: a state outside it is a 403) and their sum, PAR30 of the sum included."""
    span = month_range(since, until, services.today())
    scope = state_filter(who, state)
    kept = await services.month_ends.written(span)
    out = {m: PortfolioMonth(m, total=StatePortfolio(state or PROGRAMME)) for m in kept}
    for doc in await services.month_ends.read(kept, scope):
        month = out[str(doc["month"])]
        row = _row(doc)
        month.states.append(row)
        month.total.merge(row)
    return [out[m] for m in kept]

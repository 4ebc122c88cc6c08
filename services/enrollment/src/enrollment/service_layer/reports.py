"""The programme's reports: participation and equal opportunities [¶20], income growth [¶65]."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from enrollment.adapters import reports as queries
from enrollment.domain.actor import NATIONAL, Actor
from enrollment.domain.participant import Programme
from enrollment.domain.reports import (
    IncomeGrowth,
    PeriodGrowth,
    growth_by_month,
    income_growth,
    share,
    shares,
)
from enrollment.service_layer.container import Services
from megp_common.month_ends import last_day, month_range


def _states(actor: Actor, state: str | None) -> set[str] | None:
    """The states a report covers: the one asked for, else all the caller may see."""
    if state is not None:
        actor.check_state(state)
        return {state}
    return None if NATIONAL in actor.states else set(actor.states)


async def participation(services: Services, actor: Actor, state: str | None) -> dict[str, Any]:
    counts = await queries.participation(services.db, _states(actor, state))
    total = counts.total
    equal: dict[str, Decimal] = {
        "women": share(counts.by_gender.get("female", 0), total),
        "indigenous": share(counts.indigenous, total),
        "young": share(counts.by_programme.get(Programme.YOUNG.value, 0), total),
        "elderly": share(counts.by_programme.get(Programme.ELDERLY.value, 0), total),
        "disabled": share(counts.disabled, total),
    }
    return {
        "participants": total,
        "by_state": dict(sorted(counts.by_state.items())),
        "by_gender": dict(sorted(counts.by_gender.items())),
        "by_member_type": dict(sorted(counts.by_member_type.items())),
        "by_programme": dict(sorted(counts.by_programme.items())),
        "programme_shares": shares(counts.by_programme, total),
        "equal_opportunity_shares": equal,
    }


async def growth(
    services: Services, actor: Actor, state: str | None, group_id: str | None
) -> dict[str, Any]:
    states = _states(actor, state)
    today = services.clock.now().date().isoformat()
    results = [r async for r in queries.closed_results(services.db, states, group_id, today)]
    return figures(income_growth(results))


def figures(summary: IncomeGrowth) -> dict[str, Any]:
    return {
        "members": summary.members,
        "closed_periods": summary.periods,
        "total_income": summary.total_income,
        "total_baseline": summary.total_baseline,
        "incremental_income": summary.incremental_income,
        "growth_rate": summary.growth_rate,
        "members_above_baseline": summary.members_above_baseline,
    }


async def growth_by_period(
    services: Services, actor: Actor, since: str | None, until: str | None, state: str | None
) -> list[PeriodGrowth]:
    """Each month of the range with periods closed in it (a period is filed under the month it
    starts), each state's growth [¶65] and the states' together; months with nothing closed
    are left out. At most 36 months (megp_common.month_ends.month_range)."""
    span = month_range(since, until, services.clock.now().date())
    first, last = f"{span[0]}-01", last_day(span[-1]).isoformat()
    rows = queries.closed_results_between(services.db, _states(actor, state), first, last)
    return growth_by_month([row async for row in rows])

"""A state, or every state in the supervisor's scope, over the last twelve whole months, from
the services' own series: the funds' two sub-funds at each month's end (funds
`GET /fund-summaries/by-state/history`), credit outstanding and PAR30 at each month's end
(credit `GET /portfolio/history`) and members' income against their baseline per closed
period (enrollment `GET /reports/income-growth/by-period`) [¶65]. Each answer's `total` is the
state asked for, or the sum of the caller's states: the console adds nothing up itself. The
parsing is pure; `state_over_time` fetches and draws."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from console.entrypoints.web.deps import CurrentSeat, pages_of
from console.screens.dashboard.charts import Bar, bars
from console.service_layer.queries import sections


def month_start(text: str) -> date:
    """ "2030-04" -> 1 April 2030."""
    return date(int(text[:4]), int(text[5:7]), 1)


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


@dataclass(frozen=True, slots=True)
class FundRow:
    month: date
    funds: int
    development: Decimal
    competition: Decimal
    trust_cash: Decimal

    @property
    def total(self) -> Decimal:
        return self.development + self.competition


@dataclass(frozen=True, slots=True)
class CreditRow:
    month: date
    loans: int
    outstanding: Decimal
    par30: Decimal


@dataclass(frozen=True, slots=True)
class GrowthRow:
    month: date
    members: int
    income: Decimal
    baseline: Decimal
    incremental: Decimal
    growth: Decimal | None


def fund_rows(answer: Any) -> list[FundRow]:
    return [
        FundRow(
            month_start(m["month"]),
            int(m["total"]["funds"]),
            _d(m["total"]["development_subfund"]),
            _d(m["total"]["competition_subfund"]),
            _d(m["total"]["trust_cash"]),
        )
        for m in (answer or {}).get("months") or []
    ]


def credit_rows(answer: Any) -> list[CreditRow]:
    return [
        CreditRow(
            month_start(m["month"]),
            int(m["total"]["loans"]),
            _d(m["total"]["outstanding_principal"]),
            _d(m["total"]["par30"]),
        )
        for m in (answer or {}).get("months") or []
    ]


def growth_rows(answer: Any) -> list[GrowthRow]:
    out = []
    for m in (answer or {}).get("months") or []:
        t = m["total"]
        rate = t.get("growth_rate")
        out.append(
            GrowthRow(
                month_start(m["month"]),
                int(t["members"]),
                _d(t["total_income"]),
                _d(t["total_baseline"]),
                _d(t["incremental_income"]),
                None if rate is None else _d(rate),
            )
        )
    return out


async def state_over_time(seat: CurrentSeat, state: str | None) -> dict[str, Any]:
    """The three series for `state` (None: the caller's states together), each a chart and
    its rows, or the service's refusal in plain words."""
    api = seat.caller
    found = await sections(
        funds=api.get("funds", "/fund-summaries/by-state/history", state=state),
        credit=api.get("credit", "/portfolio/history", state=state),
        growth=api.get("enrollment", "/reports/income-growth/by-period", state_code=state),
    )
    funds = fund_rows(found["funds"].data) if found["funds"].ok else []
    credit = credit_rows(found["credit"].data) if found["credit"].ok else []
    growth = growth_rows(found["growth"].data) if found["growth"].ok else []
    fmt = pages_of(seat.request).envs[seat.locale].filters
    says = seat.says
    charts = {
        "funds": bars(
            says("Fund balances at each month's end (both sub-funds)"),
            [Bar(fmt["month"](r.month), r.total, fmt["money"](r.total)) for r in funds],
            label_w=165,
        ),
        "par": bars(
            says("PAR30 at each month's end"),
            [Bar(fmt["month"](r.month), r.par30, fmt["percent"](r.par30)) for r in credit],
            label_w=165,
        ),
        "growth": bars(
            says("Income above the baseline, by closed period"),
            [
                Bar(fmt["month"](r.month), r.incremental, fmt["money"](r.incremental))
                for r in growth
            ],
            label_w=165,
        ),
    }
    return {
        "s": found,
        "funds": funds,
        "credit": credit,
        "growth": growth,
        "charts": {k: Markup(v) for k, v in charts.items()},
    }

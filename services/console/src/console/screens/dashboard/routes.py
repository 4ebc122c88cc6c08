"""The programme dashboard for supervisors, by state: participants (enrollment's participation
report), funds and their two sub-funds (funds' summaries), credit outstanding and PAR30
(credit's portfolio), and the shares of women, young and indigenous participants [¶20]; with
`?group=`, that group over the last six months (over_time.py); the state chosen (or the
caller's states together) over the last twelve months (state_history.py). Every figure is the
service's own; a chart is drawn over each table."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from console.domain.problems import N_
from console.entrypoints.web.deps import CurrentSeat, pages_of, require
from console.screens import MenuItem, Screen
from console.screens.dashboard import over_time
from console.screens.dashboard.charts import Bar, bars
from console.screens.dashboard.state_history import state_over_time
from console.screens.sheets.routes import today
from console.service_layer.queries import sections

router = APIRouter()
StateQuery = Annotated[str | None, Query(pattern=r"^(0[1-9]|[12][0-9]|3[0-2])$")]
GroupQuery = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.:-]*$")]
SHARES = ("women", "young", "indigenous")


def _rows_by_state(data: Any, key: str) -> dict[str, dict[str, Any]]:
    return {str(row[key]): row for row in data or []}


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(
    seat: CurrentSeat, state: StateQuery = None, group: GroupQuery = None
) -> HTMLResponse:
    require(seat.person.supervises, "the programme dashboard")
    api = seat.caller
    found = await sections(
        participation=api.get("enrollment", "/reports/participation", state_code=state),
        funds=api.get("funds", "/fund-summaries/by-state"),
        portfolio=api.get("credit", "/portfolio", by="state"),
    )
    participation = found["participation"].data or {}
    by_state: dict[str, int] = dict(participation.get("by_state") or {})
    funds = _rows_by_state(found["funds"].data, "state_code")
    credit = _rows_by_state(found["portfolio"].data, "key")
    states = sorted(s for s in {*by_state, *funds, *credit} if state is None or s == state)
    shares_found = await sections(
        **{f"s{s}": api.get("enrollment", "/reports/participation", state_code=s) for s in states}
    )
    shares = {
        s: (shares_found[f"s{s}"].data or {}).get("equal_opportunity_shares", {}) for s in states
    }
    pages = pages_of(seat.request)
    fmt = pages.envs[seat.locale].filters
    says = seat.says
    charts = {
        "participants": bars(
            says("Participants by state"),
            [
                Bar(s, Decimal(by_state.get(s, 0)), fmt["number"](by_state.get(s, 0)))
                for s in states
            ],
        ),
        "funds": bars(
            says("Fund balances by state (both sub-funds)"),
            [Bar(s, _total(funds.get(s)), fmt["money"](_total(funds.get(s)))) for s in states],
        ),
        "par": bars(
            says("PAR30 by state"),
            [
                Bar(s, _par_rate(credit.get(s)), fmt["percent"](_par_rate(credit.get(s))))
                for s in states
            ],
        ),
    }
    history = await state_over_time(seat, state)
    over = await _over_time(seat, group.strip()) if group and group.strip() else None
    if over:
        charts |= over.pop("charts")
    return seat.page(
        "dashboard/dashboard.html",
        group=group or "",
        over=over,
        history=history,
        s=found,
        states=states,
        state=state,
        by_state=by_state,
        funds=funds,
        credit=credit,
        shares=shares,
        share_names=SHARES,
        charts={k: Markup(v) for k, v in charts.items()},
        participation=participation,
    )


async def _over_time(seat: CurrentSeat, group: str) -> dict[str, Any]:
    """The group's fund at each month's end and its closed months' incomes (over_time.py)."""
    day = await today(seat.caller)
    months = over_time.months_before(day)
    ends = [*(over_time.month_end(m) for m in months), day]  # each month's end, and today
    api = seat.caller
    found = await sections(
        **{f"f{d}": api.get("funds", f"/funds/{group}/statement", on=d) for d in ends},
        **{f"p{m}": api.get("enrollment", f"/groups/{group}/periods/{m}") for m in months},
    )
    fund_problem = next((found[f"f{d}"].problem for d in ends if not found[f"f{d}"].ok), None)
    fund = [] if fund_problem else [over_time.fund_month(d, found[f"f{d}"].data) for d in ends]
    incomes: list[over_time.IncomeMonth | None] = []
    income_problem = None
    for m in months:
        got = found[f"p{m}"]
        if got.ok:
            incomes.append(over_time.income_month(m, got.data))
        elif got.problem is not None and got.problem.status == 404:
            incomes.append(None)  # nothing recorded for that month
        else:
            income_problem = income_problem or got.problem
    fmt = pages_of(seat.request).envs[seat.locale].filters
    says = seat.says
    charts = {
        "fund_over_time": bars(
            says("Fund balance at each month's end and today (both sub-funds)"),
            [Bar(fmt["day"](f.on), f.total, fmt["money"](f.total)) for f in fund],
            label_w=130,
        ),
        "income_over_time": bars(
            says("Members' income above their baseline, by month"),
            [
                Bar(
                    fmt["month"](m),
                    i.incremental if i else Decimal(0),
                    fmt["money"](i.incremental) if i else "—",
                )
                for m, i in zip(months, incomes, strict=False)
            ]
            if not income_problem
            else [],
            label_w=130,
        ),
    }
    return {
        "group": group,
        "months": months,
        "fund": fund,
        "fund_problem": fund_problem,
        "incomes": [] if income_problem else list(zip(months, incomes, strict=True)),
        "income_problem": income_problem,
        "charts": {k: Markup(v) for k, v in charts.items()},
    }


def _total(row: dict[str, Any] | None) -> Decimal:
    if not row:
        return Decimal(0)
    return Decimal(row["development_subfund"]) + Decimal(row["competition_subfund"])


def _par_rate(row: dict[str, Any] | None) -> Decimal:
    """Credit's PAR30: already a share (0-1) of the state's outstanding principal."""
    return Decimal(str(row["par30"])) if row else Decimal(0)


screen = Screen(
    name="dashboard",
    router=router,
    menu=(MenuItem(N_("Dashboard"), "/dashboard", lambda p: p.supervises),),
)

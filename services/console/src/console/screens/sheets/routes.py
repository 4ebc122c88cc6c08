"""The period sheet (collection sheet) for ODF staff: each member's income and deposit for one
month on one screen, sent as one sheet; it is kept in the browser while there is no connection
and sent, once, when the connection returns (services/console/README.md, "The offline sheet")."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from pathlib import Path as Path_
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from console.adapters.api import Caller
from console.domain.problems import N_
from console.domain.sheet import SheetLine, amount, month_start
from console.entrypoints.web.deps import CurrentSeat, require
from console.screens import Screen
from console.service_layer.queries import sections
from console.service_layer.sheets import send_sheet

router = APIRouter()
GroupId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")]
KEY_PATTERN = r"^[A-Za-z0-9_.:-]{8,200}$"


async def today(caller: Caller) -> date:
    """The platform's day (its shared clock, which a test or a simulation may have moved)."""
    clock = await caller.request("enrollment", "GET", "/admin/clock")
    return datetime.fromisoformat(str(clock["now"])).date()


def previous_month(day: date) -> date:
    return date(day.year - 1, 12, 1) if day.month == 1 else date(day.year, day.month - 1, 1)


async def all_members(caller: Caller, group_id: str) -> list[dict[str, Any]]:
    """Every current member, following enrollment's cursors (a sheet holds the whole group)."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = await caller.get(
            "enrollment", f"/groups/{group_id}/members", status="active", limit=200, cursor=cursor
        )
        found += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return found


@router.get("/groups/{group_id}/period-sheet", response_class=HTMLResponse)
async def sheet_form(
    group_id: GroupId,
    seat: CurrentSeat,
    period: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}(-01)?$")] = None,
) -> HTMLResponse:
    require(seat.person.enters_sheets, "entering period sheets")
    start = month_start(period) if period else previous_month(await today(seat.caller))
    found = await sections(
        group=seat.caller.get("enrollment", f"/groups/{group_id}"),
        members=all_members(seat.caller, group_id),
        obligations=seat.caller.get("funds", f"/funds/{group_id}/obligations"),
    )
    due: dict[str, str] = {}
    if found["obligations"].ok:
        for o in found["obligations"].data:
            due[o["participant_id"]] = o["outstanding"]
    return seat.page(
        "sheets/sheet.html",
        group_id=group_id,
        period=start,
        s=found,
        due=due,
        new_key=str(uuid.uuid4()),
    )


@router.post("/groups/{group_id}/period-sheet", response_class=HTMLResponse)
async def send(group_id: GroupId, seat: CurrentSeat, request: Request) -> HTMLResponse:
    """The sheet as a form (`period`, `sheet_key`, `income:<id>`, `deposit:<id>`); the answer is
    the results fragment (htmx, the offline script) or, without JavaScript, the page."""
    require(seat.person.enters_sheets, "entering period sheets")
    # the offline script and htmx take the fragment; a plain form post (no JavaScript) a page
    template = (
        "sheets/_answer.html" if request.headers.get("HX-Request") else "sheets/answer_page.html"
    )
    back = f"/groups/{group_id}"
    form = await request.form()
    key = str(form.get("sheet_key") or request.headers.get("Idempotency-Key") or "")
    if not re.match(KEY_PATTERN, key):
        return seat.page(template, back=back, status=422, answer=None, bad_key=True, local={})
    try:
        start = month_start(str(form.get("period") or ""))
    except ValueError:
        return seat.page(template, back=back, status=422, answer=None, bad_period=True, local={})
    ids = sorted(
        {str(k).split(":", 1)[1] for k in form if str(k).startswith(("income:", "deposit:"))}
    )
    lines, local = [], {}
    for pid in ids:
        problems = {}
        values = {}
        for part in ("income", "deposit"):
            try:
                values[part] = amount(str(form.get(f"{part}:{pid}") or ""))
            except ValueError:
                problems[part] = N_("Write an amount with at most two decimals, such as 1250.50.")
                values[part] = None
        if problems:
            local[pid] = problems
        lines.append(SheetLine(pid, values["income"], values["deposit"]))
    if local:
        return seat.page(template, back=back, status=422, answer=None, local=local)
    answer = await send_sheet(seat.caller, group_id, start, lines, key)
    status = 200 if answer.complete else 422
    return seat.page(template, back=back, status=status, answer=answer, local={}, key=key)


WORKER = Path_(__file__).resolve().parent / "worker" / "sheet-worker.js"


@router.get("/sheet-worker.js", include_in_schema=False)
async def sheet_worker() -> Response:
    """The sheet's service worker, served from the root so it may control /groups/ pages;
    never cached by the browser's HTTP cache, so an update reaches phones at the next visit."""
    return Response(
        WORKER.read_bytes(),
        media_type="application/javascript",
        headers={"Cache-Control": "no-cache"},
    )


screen = Screen(name="sheets", router=router, menu=())

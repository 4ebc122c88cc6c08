"""Approvals for board representatives: loans waiting for the board's decision on their
groups' lines, each with the rule that applies beside it. Only a person who decides for a
board sees the decision buttons [¶55]; credit checks the board again on every decision."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.domain.errors import ServiceRefused
from console.domain.problems import N_, plain
from console.entrypoints.web.deps import CurrentSeat, require
from console.screens import MenuItem, Screen
from console.service_layer.queries import Section, sections

router = APIRouter()
Id = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")]
GroupQuery = Annotated[str | None, Query(max_length=100, pattern=r"^[A-Za-z0-9_:-]*$")]

#: the rules shown beside a loan waiting for the board (RULES.md)
LOAN_RULES = (
    (
        "¶55",
        N_(
            "Only the group's board representatives decide; committee members, donors and "
            "lenders never do."
        ),
    ),
    (
        "¶79",
        N_(
            "A loan on the group's line goes to its Development Organization or to one of "
            "its active members, within what is available on the line."
        ),
    ),
)


@router.get("/approvals", response_class=HTMLResponse)
async def approvals(seat: CurrentSeat, group: GroupQuery = None) -> HTMLResponse:
    require(seat.person.reads_groups, "reading groups")
    groups = sorted({*seat.person.group_ids, *([group] if group else [])})
    found = await sections(
        **{
            f"g{i}": seat.caller.get("credit", "/loans", group_id=g, status="applied", limit=200)
            for i, g in enumerate(groups)
        }
    )
    waiting = [(g, found[f"g{i}"]) for i, g in enumerate(groups)]
    return seat.page(
        "approvals/approvals.html",
        waiting=waiting,
        rules=LOAN_RULES,
        group=group or "",
        new_key=lambda: str(uuid.uuid4()),
    )


@router.post("/approvals/loans/{loan_id}/board-approval")
async def approve_loan(
    loan_id: Id,
    seat: CurrentSeat,
    key: Annotated[str, Form(min_length=8, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")],
) -> Response:
    require(seat.person.decides_for_boards, "board decisions")
    try:
        loan: dict[str, Any] = await seat.caller.post(
            "credit", f"/loans/{loan_id}/board-approval", {}, key=key
        )
        section = Section(data=loan)
    except ServiceRefused as refused:
        section = Section(problem=plain(refused.problem, refused.status_code))
    if seat.request.headers.get("HX-Request"):
        return seat.page("approvals/_decided.html", loan_id=loan_id, decided=section)
    if section.problem is None:
        return RedirectResponse("/approvals", status_code=303)
    return seat.page("problem.html", status=section.problem.status, problem=section.problem)


screen = Screen(
    name="approvals",
    router=router,
    menu=(MenuItem(N_("Approvals"), "/approvals", lambda p: p.decides_for_boards),),
)

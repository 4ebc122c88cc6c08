"""The registration sheet of a state office (people enrolled at once, enrollment's
`POST /participants/registration-sheets`) and a group's intake sheet of signed Letters of
Commitment (`POST /groups/{id}/intake-sheets`). Each is all or nothing at enrollment; a refused
sheet comes back with every line's problem beside its field, the values as typed and the same
key, so the corrected sheet is sent once."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from console.domain.errors import ServiceRefused
from console.domain.problems import N_, PlainProblem, plain
from console.domain.registration import (
    INTAKE_FIELDS,
    MAX_ROWS,
    REGISTRATION_FIELDS,
    Row,
    intake_body,
    place,
    registration_body,
    rows_of,
)
from console.entrypoints.web.deps import CurrentSeat, Seat, require
from console.screens import MenuItem, Screen
from console.service_layer.queries import sections

router = APIRouter()
GroupId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")]
Rows = Annotated[int, Query(ge=1, le=MAX_ROWS)]
KEY_PATTERN = r"^[A-Za-z0-9_.:-]{8,200}$"
STATES = [f"{n:02d}" for n in range(1, 33)]
EMPTY = N_("Fill in at least one line.")


def _blank(count: int, fields: tuple[str, ...]) -> list[Row]:
    return [Row(n, dict.fromkeys(fields, "")) for n in range(1, count + 1)]


def _states(seat: Seat) -> list[str]:
    return STATES if seat.person.national else seat.person.states_in_order()


def _key(form: Any) -> str | None:
    key = str(form.get("sheet_key") or "")
    return key if re.match(KEY_PATTERN, key) else None


@router.get("/registration-sheet", response_class=HTMLResponse)
async def registration_form(seat: CurrentSeat, rows: Rows = 5) -> HTMLResponse:
    require(seat.person.registers_people, "entering registration sheets")
    return seat.page(
        "registration/registration.html",
        rows=_blank(rows, REGISTRATION_FIELDS),
        states=_states(seat),
        state="",
        key=str(uuid.uuid4()),
        problem=None,
        enrolled=None,
    )


@router.post("/registration-sheet", response_class=HTMLResponse)
async def registration_send(seat: CurrentSeat, request: Request) -> HTMLResponse:
    require(seat.person.registers_people, "entering registration sheets")
    form = await request.form()
    rows = rows_of(form, REGISTRATION_FIELDS)
    state = str(form.get("state_code") or "")
    key = _key(form)
    context: dict[str, Any] = {"states": _states(seat), "state": state, "enrolled": None}
    problem = _before_sending(rows, key, state in context["states"])
    if problem is not None or key is None:
        shown = rows or _blank(5, REGISTRATION_FIELDS)
        return seat.page(
            "registration/registration.html",
            status=422,
            rows=shown,
            key=key or str(uuid.uuid4()),
            problem=problem,
            **context,
        )
    try:
        answer = await seat.caller.post(
            "enrollment",
            "/participants/registration-sheets",
            registration_body(rows, state),
            key=key,
        )
    except ServiceRefused as refused:
        place(refused.problem, rows, "participants", "curp")
        return seat.page(
            "registration/registration.html",
            status=refused.status_code,
            rows=rows,
            key=key,
            problem=plain(refused.problem, refused.status_code),
            **context,
        )
    context["enrolled"] = [
        (rows[line["line"] - 1], line)
        for line in answer["participants"]
        if line["line"] <= len(rows)
    ]
    return seat.page(
        "registration/registration.html",
        rows=_blank(5, REGISTRATION_FIELDS),
        key=str(uuid.uuid4()),
        problem=None,
        **context,
    )


def _before_sending(rows: list[Row], key: str | None, state_ok: bool) -> PlainProblem | None:
    if not rows:
        return PlainProblem(message=EMPTY, detail="", rule=None, status=422)
    if not state_ok:
        return PlainProblem(message=N_("Choose a state."), detail="", rule=None, status=422)
    if key is None:
        return plain({"type": "precondition-required"}, 428)
    return None


@router.get("/groups/{group_id}/intake-sheet", response_class=HTMLResponse)
async def intake_form(group_id: GroupId, seat: CurrentSeat, rows: Rows = 5) -> HTMLResponse:
    require(seat.person.enters_sheets, "entering intake sheets")
    found = await sections(group=seat.caller.get("enrollment", f"/groups/{group_id}"))
    return seat.page(
        "registration/intake.html",
        group_id=group_id,
        s=found,
        rows=_blank(rows, INTAKE_FIELDS),
        key=str(uuid.uuid4()),
        problem=None,
        joined=None,
    )


@router.post("/groups/{group_id}/intake-sheet", response_class=HTMLResponse)
async def intake_send(group_id: GroupId, seat: CurrentSeat, request: Request) -> HTMLResponse:
    require(seat.person.enters_sheets, "entering intake sheets")
    form = await request.form()
    rows = rows_of(form, INTAKE_FIELDS)
    key = _key(form)
    found = await sections(group=seat.caller.get("enrollment", f"/groups/{group_id}"))
    context: dict[str, Any] = {"group_id": group_id, "s": found, "joined": None}
    problem = _before_sending(rows, key, True)
    if problem is not None or key is None:
        return seat.page(
            "registration/intake.html",
            status=422,
            rows=rows or _blank(5, INTAKE_FIELDS),
            key=key or str(uuid.uuid4()),
            problem=problem,
            **context,
        )
    try:
        await seat.caller.post(
            "enrollment", f"/groups/{group_id}/intake-sheets", intake_body(rows), key=key
        )
    except ServiceRefused as refused:
        place(refused.problem, rows, "members", "participant_id")
        return seat.page(
            "registration/intake.html",
            status=refused.status_code,
            rows=rows,
            key=key,
            problem=plain(refused.problem, refused.status_code),
            **context,
        )
    context["joined"] = rows
    return seat.page(
        "registration/intake.html",
        rows=_blank(5, INTAKE_FIELDS),
        key=str(uuid.uuid4()),
        problem=None,
        **context,
    )


screen = Screen(
    name="registration",
    router=router,
    menu=(MenuItem(N_("Registration sheet"), "/registration-sheet", lambda p: p.registers_people),),
)

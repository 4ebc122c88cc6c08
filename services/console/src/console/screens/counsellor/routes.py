"""An IP counsellor's cases (ip-counsel): the counsellor the token signs in as (ip-counsel
knows a counsellor by the token's subject and the `ip_counsellor` role), the disclosures
assigned to them (metadata only: the console never asks for a disclosure's content), the
sessions held on each with the advice (which ip-counsel gives to the inventors and the
counsellor alone), the filings' deadlines due soon, and a form to record a session: the day
it was held, the advice (sealed by ip-counsel) and the route recommended. A refused session
comes back as typed, under the same key, with each problem beside its field."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.adapters.api import Caller
from console.domain.errors import ServiceRefused
from console.domain.problems import N_, PlainProblem, plain
from console.entrypoints.web.deps import CurrentSeat, Seat, require
from console.screens import MenuItem, Screen
from console.service_layer.queries import sections

router = APIRouter()
Id = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")]
Cursor = Annotated[str | None, Query(max_length=500, pattern=r"^[A-Za-z0-9_=-]*$")]
Key = Annotated[str, Form(min_length=8, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")]
PAGE = 20

#: ip-counsel's routes a session may recommend (its `Route`), with their names
ROUTES = (
    ("patent", N_("Patent")),
    ("utility_model", N_("Utility model")),
    ("industrial_design", N_("Industrial design")),
    ("trademark", N_("Trademark")),
    ("trade_secret", N_("Keep it secret")),
    ("publish", N_("Publish it")),
)
#: the rules the screen shows beside the cases (RULES.md)
RULES = (
    ("¶3", N_("What an invention is stays within its circle: its inventors and their counsellor.")),
    ("¶36", N_("A registered counsellor advises the inventors on how to protect the invention.")),
)


async def my_cases(caller: Caller, cursor: str | None) -> dict[str, Any]:
    """The counsellor signed in (None: the token is no registered counsellor's), a page of the
    disclosures assigned to them (each with its sessions), and the open deadlines of their
    filings within 90 days."""
    found = await caller.get("ip-counsel", "/counsellors", signed_in="true")
    if not found["items"]:
        return {"me": None}
    me = found["items"][0]
    page = await caller.get(
        "ip-counsel", "/disclosures", counsellor_id=me["id"], limit=PAGE, cursor=cursor
    )
    for d in page["items"]:
        sessions = await caller.get("ip-counsel", f"/disclosures/{d['id']}/sessions")
        d["sessions"] = sessions["items"]
    deadlines = await caller.get("ip-counsel", "/deadlines", counsellor_id=me["id"])
    return {"me": me, "cases": page, "deadlines": deadlines["items"]}


async def _page(
    seat: Seat,
    cursor: str | None = None,
    status: int = 200,
    typed: dict[str, Any] | None = None,
) -> HTMLResponse:
    require(seat.person.counsels, "a counsellor's cases")
    found = await sections(mine=my_cases(seat.caller, cursor))
    return seat.page(
        "counsellor/cases.html",
        status=status,
        s=found,
        routes=ROUTES,
        rules=RULES,
        cursor=cursor or "",
        typed=typed or {},
        new_key=lambda: str(uuid.uuid4()),
    )


@router.get("/counsel", response_class=HTMLResponse)
async def cases(seat: CurrentSeat, cursor: Cursor = None) -> HTMLResponse:
    return await _page(seat, cursor)


@router.post("/counsel/disclosures/{disclosure_id}/sessions")
async def record_session(
    disclosure_id: Id,
    seat: CurrentSeat,
    key: Key,
    held_on: Annotated[str, Form(max_length=40)] = "",
    advice: Annotated[str, Form(max_length=20_000)] = "",
    route_recommended: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    require(seat.person.counsels, "recording a counselling session")
    body: dict[str, Any] = {"advice": advice}
    if held_on:
        body["held_on"] = held_on
    if route_recommended:
        body["route_recommended"] = route_recommended
    try:
        await seat.caller.post(
            "ip-counsel", f"/disclosures/{disclosure_id}/sessions", body, key=key
        )
    except ServiceRefused as refused:
        problem: PlainProblem = plain(refused.problem, refused.status_code)
        typed = {
            "disclosure_id": disclosure_id,
            "key": key,
            "held_on": held_on,
            "advice": advice,
            "route_recommended": route_recommended,
            "problem": problem,
        }
        return await _page(seat, status=problem.status, typed=typed)
    return RedirectResponse(f"/counsel?recorded={disclosure_id}#case-{disclosure_id}", 303)


screen = Screen(
    name="counsellor",
    router=router,
    menu=(MenuItem(N_("My cases"), "/counsel", lambda p: p.counsels),),
)

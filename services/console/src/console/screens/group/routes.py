"""Groups: the list (enrollment's cursor pages) and one group's screen, read from enrollment
(group, members, ODF and board), funds (both sub-funds, obligations, notices) and credit (the
line with its reviews, the loans, the leases)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from console.adapters.api import Caller
from console.domain.problems import N_
from console.entrypoints.web.deps import CurrentSeat, require
from console.screens import MenuItem, Screen
from console.service_layer.queries import sections

router = APIRouter()
GroupId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")]
LoanId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")]
Cursor = Annotated[str | None, Query(max_length=512)]
PAGE = 50


@router.get("/groups", response_class=HTMLResponse)
async def groups(
    seat: CurrentSeat, cursor: Cursor = None, state: str | None = None
) -> HTMLResponse:
    require(seat.person.reads_groups, "reading groups")
    found = await sections(
        page=seat.caller.get("enrollment", "/groups", cursor=cursor, limit=PAGE, state_code=state)
    )
    template = (
        "group/_group_rows.html" if seat.request.headers.get("HX-Request") else "group/groups.html"
    )
    return seat.page(template, page=found["page"], state=state)


@router.get("/groups/{group_id}", response_class=HTMLResponse)
async def group(group_id: GroupId, seat: CurrentSeat) -> HTMLResponse:
    require(seat.person.reads_groups, "reading groups")
    api = seat.caller
    staff = seat.person.has("odf_staff", "programme_supervisor")  # plans are staff's reading
    found = await sections(
        group=api.get("enrollment", f"/groups/{group_id}"),
        committees=committees_of(api, group_id),
        plans=api.get("enrollment", f"/groups/{group_id}/business-plans", limit=PAGE)
        if staff
        else _nothing(),
        members=api.get("enrollment", f"/groups/{group_id}/members", limit=PAGE),
        statement=api.get("funds", f"/funds/{group_id}/statement"),
        obligations=api.get("funds", f"/funds/{group_id}/obligations"),
        notices=api.get("funds", f"/funds/{group_id}/notices"),
        line=api.get("credit", f"/lines/{group_id}"),
        loans=api.get("credit", "/loans", group_id=group_id, limit=PAGE),
        leases=api.get("credit", "/leases", group_id=group_id, limit=PAGE),
    )
    return seat.page("group/group.html", group_id=group_id, s=found, names=_names(found))


@router.get("/groups/{group_id}/members", response_class=HTMLResponse)
async def members(group_id: GroupId, seat: CurrentSeat, cursor: Cursor = None) -> HTMLResponse:
    """The next page of members (htmx swaps it in; without JavaScript it is a page)."""
    require(seat.person.reads_groups, "reading groups")
    found = await sections(
        members=seat.caller.get(
            "enrollment", f"/groups/{group_id}/members", limit=PAGE, cursor=cursor
        )
    )
    return seat.page("group/_members.html", group_id=group_id, s=found)


@router.get("/groups/{group_id}/loans", response_class=HTMLResponse)
async def loans(group_id: GroupId, seat: CurrentSeat, cursor: Cursor = None) -> HTMLResponse:
    require(seat.person.reads_groups, "reading groups")
    found = await sections(
        loans=seat.caller.get("credit", "/loans", group_id=group_id, limit=PAGE, cursor=cursor)
    )
    return seat.page("group/_loans.html", group_id=group_id, s=found, names={})


@router.get("/groups/{group_id}/leases", response_class=HTMLResponse)
async def leases(group_id: GroupId, seat: CurrentSeat, cursor: Cursor = None) -> HTMLResponse:
    """The next page of the group's leases [¶91-¶93]."""
    require(seat.person.reads_groups, "reading groups")
    found = await sections(
        leases=seat.caller.get("credit", "/leases", group_id=group_id, limit=PAGE, cursor=cursor)
    )
    return seat.page("group/_leases.html", group_id=group_id, s=found, names={})


async def committees_of(api: Caller, group_id: str) -> list[dict[str, Any]]:
    """The committees of the group's project (support, innovation...; ¶54-¶58)."""
    group = await api.get("enrollment", f"/groups/{group_id}")
    found = await api.get("enrollment", "/committees", project_id=group["project_id"], limit=PAGE)
    return list(found["items"])


async def _nothing() -> None:
    return None


@router.get("/loans/{loan_id}", response_class=HTMLResponse)
async def loan(loan_id: LoanId, seat: CurrentSeat) -> HTMLResponse:
    """One loan with its schedule: each instalment, paid or not, by whom and how late."""
    require(seat.person.reads_groups, "reading loans")
    found = await sections(loan=seat.caller.get("credit", f"/loans/{loan_id}"))
    return seat.page("group/loan.html", loan_id=loan_id, s=found)


def _names(found: dict[str, Any]) -> dict[str, str]:
    """Members' names by participant id, for the other services' rows (which carry ids)."""
    members = found["members"]
    if not members.ok:
        return {}
    return {m["participant_id"]: m["name"] for m in members.data["items"]}


screen = Screen(
    name="group",
    router=router,
    menu=(MenuItem(N_("Groups"), "/groups", lambda p: p.reads_groups),),
)

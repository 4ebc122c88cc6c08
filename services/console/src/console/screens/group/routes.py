"""Groups: the list (enrollment's cursor pages) and one group's screen, read from enrollment
(group, members, ODF and board), funds (both sub-funds, obligations, notices) and credit (the
line with its reviews, the loans)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from console.domain.problems import N_
from console.entrypoints.web.deps import CurrentSeat, require
from console.screens import MenuItem, Screen
from console.service_layer.queries import sections

router = APIRouter()
GroupId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")]
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
    found = await sections(
        group=api.get("enrollment", f"/groups/{group_id}"),
        members=api.get("enrollment", f"/groups/{group_id}/members", limit=PAGE),
        statement=api.get("funds", f"/funds/{group_id}/statement"),
        obligations=api.get("funds", f"/funds/{group_id}/obligations"),
        notices=api.get("funds", f"/funds/{group_id}/notices"),
        line=api.get("credit", f"/lines/{group_id}"),
        loans=api.get("credit", "/loans", group_id=group_id, limit=PAGE),
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

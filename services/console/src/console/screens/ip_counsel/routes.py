"""An inventor's disclosures (ip-counsel): each one they are an inventor of, its status, the
counselling sessions held on it, and the advice, which ip-counsel gives only to the inventors
and the counsellor. The console asks for metadata and sessions only, never a disclosure's
content, so nothing of an invention reaches a page outside its circle."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from console.adapters.api import Caller
from console.domain.problems import N_
from console.entrypoints.web.deps import CurrentSeat, require
from console.screens import MenuItem, Screen
from console.service_layer.queries import sections

router = APIRouter()


async def my_disclosures(caller: Caller, participant_id: str) -> list[dict[str, Any]]:
    """The disclosures naming the person among their inventors, each with its sessions."""
    mine: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(20):  # at most 20 pages of 200 in the person's states
        page = await caller.get("ip-counsel", "/disclosures", limit=200, cursor=cursor)
        mine += [
            d
            for d in page["items"]
            if any(i["participant_id"] == participant_id for i in d["inventors"])
        ]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    for d in mine:
        d["sessions"] = (await caller.get("ip-counsel", f"/disclosures/{d['id']}/sessions"))[
            "items"
        ]
    return mine


@router.get("/inventions", response_class=HTMLResponse)
async def inventions(seat: CurrentSeat) -> HTMLResponse:
    pid = seat.person.participant_id
    require(seat.person.has("participant") and pid is not None, "reading one's disclosures")
    found = await sections(mine=my_disclosures(seat.caller, str(pid)))
    return seat.page("ip_counsel/inventions.html", s=found)


screen = Screen(
    name="ip_counsel",
    router=router,
    menu=(
        MenuItem(
            N_("My inventions"),
            "/inventions",
            lambda p: p.has("participant") and p.participant_id is not None,
        ),
    ),
)

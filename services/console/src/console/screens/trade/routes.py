"""Trade for a group: its products on sale (price, the producer's share [¶97-¶98], stock) and
the purchase orders chains and Support Committee buyers sent its ODF to fulfil [¶54, ¶96]."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from console.domain.problems import N_
from console.entrypoints.web.deps import CurrentSeat, require
from console.screens import MenuItem, Screen
from console.service_layer.queries import sections

router = APIRouter()
GroupQuery = Annotated[str | None, Query(max_length=100, pattern=r"^[A-Za-z0-9_:-]*$")]


@router.get("/trade", response_class=HTMLResponse)
async def trade(seat: CurrentSeat, group: GroupQuery = None) -> HTMLResponse:
    require(seat.person.reads_groups, "reading groups")
    groups = sorted({*seat.person.group_ids, *([group] if group else [])})
    api = seat.caller
    calls: dict[str, Any] = {}
    for i, g in enumerate(groups):
        calls[f"products{i}"] = api.get("trade", "/products", group_id=g, limit=200)
        calls[f"orders{i}"] = api.get("trade", "/purchase-orders", group_id=g, limit=50)
    found = await sections(**calls)
    shown = [(g, found[f"products{i}"], found[f"orders{i}"]) for i, g in enumerate(groups)]
    return seat.page("trade/trade.html", shown=shown, group=group or "")


screen = Screen(
    name="trade",
    router=router,
    menu=(MenuItem(N_("Trade"), "/trade", lambda p: p.reads_groups),),
)

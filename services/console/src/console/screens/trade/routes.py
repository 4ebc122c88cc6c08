"""Trade for a group: its products on sale (price, the producer's share [¶97-¶98], stock), the
purchase orders chains and Support Committee buyers sent its ODF [¶54, ¶96], and the customers'
paid orders holding its products, which its ODF staff ship (every open line of an order at
once, all a line's open units or some) or settle short when the producer cannot deliver the
rest [¶94]. Trade lists each order with
the group's lines only (`GET /groups/{id}/orders-to-fulfil`); shipping and settling short are
trade's fulfilment routes, under the person's token and one key per form."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.domain.errors import ServiceRefused
from console.domain.problems import N_, plain
from console.entrypoints.web.deps import CurrentSeat, Seat, require
from console.screens import MenuItem, Screen
from console.service_layer.queries import sections

router = APIRouter()
GroupQuery = Annotated[str | None, Query(max_length=100, pattern=r"^[A-Za-z0-9_:-]*$")]
Id = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")]
Line = Annotated[int, Path(ge=1, le=50)]
Cursor = Annotated[str | None, Query(max_length=500, pattern=r"^[A-Za-z0-9_=-]*$")]
Key = Annotated[str, Form(min_length=8, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")]
Status = Literal["paid", "completed"]
PAGE = 20

#: the rules shown beside the orders to fulfil (RULES.md)
FULFILMENT_RULES = (
    (
        "¶94",
        N_("The group's own Development Organization sells and ships its members' products."),
    ),
    (
        "¶97",
        N_("Each sale says what goes to the producer, to the channel and to logistics."),
    ),
)


def _calls(seat: Seat, g: str, i: int, status: Status, cursor: str | None) -> dict[str, Any]:
    api = seat.caller
    calls: dict[str, Any] = {
        f"products{i}": api.get("trade", "/products", group_id=g, limit=200),
        f"orders{i}": api.get("trade", "/purchase-orders", group_id=g, limit=50),
    }
    if seat.person.follows_orders:
        calls[f"fulfil{i}"] = api.get(
            "trade", f"/groups/{g}/orders-to-fulfil", status=status, limit=PAGE, cursor=cursor
        )
    return calls


async def _page(
    seat: Seat,
    group: str | None,
    status: Status = "paid",
    http_status: int = 200,
    typed: dict[str, Any] | None = None,
) -> HTMLResponse:
    require(seat.person.reads_groups, "reading groups")
    groups = sorted({*seat.person.group_ids, *([group] if group else [])})
    calls: dict[str, Any] = {}
    for i, g in enumerate(groups):
        calls |= _calls(seat, g, i, status, None)
    found = await sections(**calls)
    shown = [
        (g, found[f"products{i}"], found[f"orders{i}"], found.get(f"fulfil{i}"))
        for i, g in enumerate(groups)
    ]
    return seat.page(
        "trade/trade.html",
        status=http_status,
        shown=shown,
        group=group or "",
        order_status=status,
        rules=FULFILMENT_RULES,
        typed=typed or {},
        new_key=lambda: str(uuid.uuid4()),
    )


@router.get("/trade", response_class=HTMLResponse)
async def trade(
    seat: CurrentSeat, group: GroupQuery = None, orders: Status = "paid"
) -> HTMLResponse:
    return await _page(seat, group, orders)


@router.get("/trade/groups/{group_id}/orders-to-fulfil", response_class=HTMLResponse)
async def orders_to_fulfil(
    group_id: Id, seat: CurrentSeat, cursor: Cursor = None, orders: Status = "paid"
) -> HTMLResponse:
    """The next page of a group's orders to fulfil (htmx swaps it in)."""
    require(seat.person.follows_orders, "reading a group's orders to fulfil")
    found = await sections(**_calls(seat, group_id, 0, orders, cursor))
    return seat.page(
        "trade/_to_fulfil.html",
        group_id=group_id,
        fulfil=found["fulfil0"],
        products=found["products0"],
        order_status=orders,
        typed={},
        new_key=lambda: str(uuid.uuid4()),
    )


async def _act(
    seat: Seat,
    group: str,
    order_id: str,
    number: int | None,
    what: str,
    body: dict[str, Any],
    key: str,
) -> Response:
    """Send the form's request to trade: a line's (`number`), or the whole order's."""
    require(seat.person.ships_orders, "shipping orders")
    path = f"/orders/{order_id}/{what}"
    if number is not None:
        path = f"/orders/{order_id}/lines/{number}/{what}"
    try:
        await seat.caller.post("trade", path, body, key=key)
    except ServiceRefused as refused:
        problem = plain(refused.problem, refused.status_code)
        line = f"{order_id}:{'all' if number is None else number}"
        typed = {"line": line, "what": what, "key": key, "problem": problem}
        typed |= {k: str(v) for k, v in body.items()}
        return await _page(seat, group, http_status=problem.status, typed=typed)
    done = "shipped" if what == "fulfilment" else "shortened"
    return RedirectResponse(f"/trade?group={group}&{done}={order_id}#order-{order_id}", 303)


@router.post("/trade/orders/{order_id}/fulfilment")
async def ship_order(
    order_id: Id,
    seat: CurrentSeat,
    key: Key,
    group: Annotated[str, Form(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")],
) -> Response:
    """Every open line of the group's in the order, in one request (trade ships the lines of
    this group's products alone)."""
    return await _act(seat, group, order_id, None, "fulfilment", {"group_id": group}, key)


@router.post("/trade/orders/{order_id}/lines/{number}/fulfilment")
async def ship(
    order_id: Id,
    number: Line,
    seat: CurrentSeat,
    key: Key,
    group: Annotated[str, Form(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")],
    quantity: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    typed = quantity.strip()
    # whole units as typed; anything else goes to trade as it is, which says why it refuses it
    body: dict[str, Any] = {}
    if typed:
        body["quantity"] = int(typed) if typed.isdigit() else typed
    return await _act(seat, group, order_id, number, "fulfilment", body, key)


@router.post("/trade/orders/{order_id}/lines/{number}/shortening")
async def settle_short(
    order_id: Id,
    number: Line,
    seat: CurrentSeat,
    key: Key,
    group: Annotated[str, Form(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    return await _act(seat, group, order_id, number, "shortening", {"reason": reason}, key)


screen = Screen(
    name="trade",
    router=router,
    menu=(MenuItem(N_("Trade"), "/trade", lambda p: p.reads_groups),),
)

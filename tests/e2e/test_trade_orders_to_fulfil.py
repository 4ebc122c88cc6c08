"""A seller group's orders to fulfil, with the platform running: a customer's paid order that
mixes two groups' products is listed to each group's ODF with its own lines only; an unpaid
order is not listed; shipping every line moves it from `paid` to `completed`; pages follow the
cursor; another ODF, another state, a participant or a donor portal are refused (403), an
unknown group is a 404, a bad status a 422."""

from __future__ import annotations

from typing import Any

import pytest

from megp_common.auth import Role

from .test_trade_fulfilment import pay, ship
from .test_trade_orders import Trade, buy, formed_group, list_product

pytestmark = pytest.mark.e2e

STAFF = (Role.ODF_STAFF,)


@pytest.fixture
def trade(platform: Any, tokens: Any) -> Trade:
    return Trade(platform, tokens)


def to_fulfil(trade: Trade, group: str, expect: int = 200, **params: Any) -> Any:
    claims = params.pop("claims", {})
    roles = params.pop("roles", STAFF)
    return trade.call(
        "GET",
        f"/groups/{group}/orders-to-fulfil",
        *roles,
        expect=expect,
        params=params,
        claims=claims,
    )


async def test_a_groups_paid_orders_are_listed_to_its_odf_with_its_own_lines(
    trade: Trade, infra: Any
) -> None:
    ours, theirs = await formed_group(infra, trade), await formed_group(infra, trade)
    rug = list_product(trade, ours, stock=20)
    pot = list_product(trade, theirs, name="olla", price_mxn="33.33", stock=20)
    mixed = buy(trade, "buyer-a", (pot["id"], 1), (rug["id"], 2))
    unpaid = buy(trade, "buyer-b", (rug["id"], 1))
    pay(trade, mixed, "buyer-a")
    singles = [buy(trade, f"buyer-{n}", (rug["id"], 1)) for n in range(3)]
    for order in singles:
        pay(trade, order, order_buyer(order, singles))

    page = to_fulfil(trade, ours["group"])
    ids = [o["id"] for o in page["items"]]
    assert ids == sorted([mixed["id"], *(o["id"] for o in singles)])
    assert unpaid["id"] not in ids
    first = page["items"][ids.index(mixed["id"])]
    assert [(x["number"], x["product_id"]) for x in first["lines"]] == [(2, rug["id"])]
    assert first["total"] == first["lines"][0]["split"]["total"]  # its lines' total only
    assert "buyer" not in first
    # their ODF sees the pot's line of the same order, not ours
    other = to_fulfil(trade, theirs["group"])["items"]
    assert [[x["product_id"] for x in o["lines"]] for o in other] == [[pot["id"]]]

    # cursor pages of two: the same orders, in the same order, once each
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        p = to_fulfil(trade, ours["group"], **params)
        seen += [o["id"] for o in p["items"]]
        cursor = p.get("next_cursor")
        if not cursor:
            break
    assert seen == ids

    # shipped whole, the order leaves the paid list for the completed one
    ship(trade, mixed, 2)
    assert mixed["id"] in [o["id"] for o in to_fulfil(trade, ours["group"])["items"]]
    completed = to_fulfil(trade, ours["group"], status="completed")["items"]
    assert mixed["id"] not in [o["id"] for o in completed]  # the pot's line is still open
    done = singles[0]
    ship(trade, done, 1)
    assert done["id"] not in [o["id"] for o in to_fulfil(trade, ours["group"])["items"]]
    completed = to_fulfil(trade, ours["group"], status="completed")["items"]
    assert [o["id"] for o in completed] == [done["id"]]
    assert completed[0]["lines"][0]["shipped"] == 1

    # a supervisor of the state reads it; nobody else
    supervisor = to_fulfil(trade, ours["group"], roles=(Role.PROGRAMME_SUPERVISOR,))
    assert [o["id"] for o in supervisor["items"]] == [i for i in ids if i != done["id"]]
    to_fulfil(trade, ours["group"], 403, claims={"organization": theirs["odf"]})
    to_fulfil(trade, ours["group"], 403, claims={"states": ("09",)})
    to_fulfil(trade, ours["group"], 403, roles=(Role.PARTICIPANT,))
    to_fulfil(trade, ours["group"], 403, roles=(Role.ODF_STAFF, Role.DONOR_PORTAL))
    to_fulfil(trade, "no-such-group", 404)
    to_fulfil(trade, ours["group"], 422, status="reserved")
    to_fulfil(trade, ours["group"], 422, cursor="not-a-cursor")


def order_buyer(order: dict[str, Any], singles: list[dict[str, Any]]) -> str:
    return f"buyer-{[o['id'] for o in singles].index(order['id'])}"

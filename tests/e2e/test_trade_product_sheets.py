"""A product sheet over HTTP: the group's ODF lists many members' products in one request, all
or none [¶94]. Listed, each is on sale as if listed alone (a buyer orders it); a retry of the
sheet answers the same products; a sheet with a line the rules refuse lists nothing and names
the line."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from megp_common.auth import Role

from .test_trade_orders import Trade, buy, formed_group, product_body, trade, uid

pytestmark = pytest.mark.e2e
__all__ = ["trade"]  # the fixture, used by name


def sheet_lines(g: dict[str, str], *producers: str) -> list[dict[str, Any]]:
    lines = []
    for n, producer in enumerate(producers):
        line = product_body(g, producer_id=producer, name=f"{uid('tapete')} {n}", stock=5 + n)
        del line["group_id"]
        lines.append(line)
    return lines


def post_sheet(
    trade: Trade,
    g: dict[str, str],
    lines: list[dict[str, Any]],
    key: str,
    headers: dict[str, str] | None = None,
    wait_s: float = 30,
) -> Any:
    """Once trade has learnt the group (a 404 until its formation is consumed, for `wait_s`)."""
    deadline = time.monotonic() + wait_s
    headers = headers or trade.headers(Role.ODF_STAFF, subject=f"staff-{g['odf']}")
    while True:
        response = httpx.post(
            f"{trade.url}/v1/product-sheets",
            json={"group_id": g["group"], "products": lines},
            headers=headers | {"Idempotency-Key": key},
            timeout=30,
        )
        if response.status_code != 404 or time.monotonic() > deadline:
            return response
        time.sleep(0.3)


async def test_a_sheet_lists_every_line_at_once_and_a_retry_answers_the_same(
    trade: Trade, infra: Any
) -> None:
    g = await formed_group(infra, trade)
    lines = sheet_lines(g, g["weaver"], g["potter"], g["rep"])
    key = uid("sheet")
    first = post_sheet(trade, g, lines, key)
    assert first.status_code == 201, first.text
    listed = first.json()
    assert [p["name"] for p in listed] == [line["name"] for line in lines]
    assert [p["producer_id"] for p in listed] == [g["weaver"], g["potter"], g["rep"]]
    assert [p["stock"]["available"] for p in listed] == [5, 6, 7]
    assert all(p["listing_status"] == "listed" and p["group_id"] == g["group"] for p in listed)
    assert len({p["id"] for p in listed}) == 3
    again = post_sheet(trade, g, lines, key)
    assert again.status_code == 201 and again.json() == listed  # the same products, no twins
    shown = trade.call(
        "GET", "/products", Role.ODF_STAFF, params={"group_id": g["group"], "limit": 500}
    )
    assert sorted(p["id"] for p in shown) == sorted(p["id"] for p in listed)
    # each is on sale as one listed alone: a buyer orders two of the first
    order = buy(trade, uid("buyer"), (listed[0]["id"], 2))
    assert order["status"] == "reserved"
    assert trade.product(listed[0]["id"])["stock"]["available"] == 3


async def test_a_sheet_with_a_line_the_rules_refuse_lists_nothing_and_names_it(
    trade: Trade, infra: Any
) -> None:
    g = await formed_group(infra, trade)
    stranger = uid("stranger")
    lines = sheet_lines(g, g["weaver"], stranger, g["potter"])
    refused = post_sheet(trade, g, lines, uid("sheet"))
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problems = refused.json()["problems"]
    assert [(p["line"], p["producer_id"]) for p in problems] == [(2, stranger)]
    assert "¶94" in refused.json()["detail"]
    shown = trade.call(
        "GET", "/products", Role.ODF_STAFF, params={"group_id": g["group"], "limit": 500}
    )
    assert shown == []  # nothing of the sheet was listed, not even its good lines
    # a sheet whose line names its own group is refused by the schema (the sheet names it)
    bad = sheet_lines(g, g["weaver"])
    bad[0]["group_id"] = g["group"]
    assert post_sheet(trade, g, bad, uid("sheet")).status_code == 422
    # staff of another state see no such group
    elsewhere = trade.headers(Role.ODF_STAFF, states=("07",), subject="staff-07")
    other = post_sheet(trade, g, sheet_lines(g, g["weaver"]), uid("sheet"), elsewhere, wait_s=0)
    assert other.status_code in (403, 404), other.text
    assert (
        trade.call(
            "GET", "/products", Role.ODF_STAFF, params={"group_id": g["group"], "limit": 500}
        )
        == []
    )

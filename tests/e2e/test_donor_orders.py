"""A donor portal orders its communities' products through trade (issue 16 [¶53]), each service
its own process: the association registered in donors has its channel in trade (an
`association_abroad` channel whose `buyer_organization` is the association's id); its portal's
token places a dollar order through that channel, and nothing else: not on the marketplace, not
through another association's channel, not with another hat on the token. Each refusal is a 403
that reserves nothing."""

from __future__ import annotations

from typing import Any

import pytest

from megp_common.auth import Role
from megp_common.launcher import Platform

from .test_donors import Portal
from .test_trade_orders import STATE, Trade, formed_group, list_product, uid

pytestmark = pytest.mark.e2e


def association_channel(trade: Trade, association_id: str) -> dict[str, Any]:
    found: dict[str, Any] = trade.call(
        "POST",
        "/channels",
        Role.PROGRAMME_SUPERVISOR,
        expect=201,
        json={
            "kind": "association_abroad",
            "name": f"Club {association_id}",
            "fee_rate": "0.05",
            "logistics_rate": "0.12",
            "states": [STATE],
            "country": "US",
            "buyer_organization": association_id,
            "currencies": ["USD"],
        },
        claims={"states": (STATE,)},
    )
    return found


async def test_a_portal_orders_through_its_associations_channel_and_nowhere_else(
    platform: Platform, tokens: Any, infra: Any
) -> None:
    trade, donors = Trade(platform, tokens), Portal(platform, tokens)
    made = donors.post(
        "/associations",
        {"name": "Club Oaxaqueño de Los Ángeles", "country": "US", "city": "Los Angeles"}
        | {"origin_state_code": STATE},
        donors.national,
    )
    assert made.status_code == 201, made.text
    club = made.json()["id"]
    g = await formed_group(infra, trade)
    rug = list_product(trade, g)
    ours, theirs = association_channel(trade, club), association_channel(trade, uid("club"))
    portal: dict[str, Any] = {"organization": club, "subject": f"portal-{club}"}

    def order(channel: str | None, *roles: Role, expect: int, who: Any = portal) -> Any:
        body: dict[str, Any] = {"lines": [{"product_id": rug["id"], "quantity": 2}]}
        if channel is not None:
            body |= {"channel_id": channel, "currency": "USD"}
        return trade.call("POST", "/orders", *roles, expect=expect, json=body, claims=dict(who))

    # refused before anything is reserved: the marketplace, another club's channel, the
    # marketplace with another hat on the portal's token
    for refused in (
        order(None, Role.DONOR_PORTAL, expect=403),
        order(theirs["id"], Role.DONOR_PORTAL, expect=403),
        order(None, Role.DONOR_PORTAL, Role.PARTICIPANT, expect=403),
    ):
        assert refused["rule"] == "¶53", refused
    assert trade.product(rug["id"])["stock"]["available"] == rug["stock"]["available"]

    placed = order(ours["id"], Role.DONOR_PORTAL, expect=201)
    assert (placed["channel"], placed["currency"], placed["total"]) == (ours["id"], "USD", "98.00")
    assert trade.product(rug["id"])["stock"]["available"] == rug["stock"]["available"] - 2
    # the club's channel sells to its portal only: not to another club's portal
    stranger = {"organization": uid("club"), "subject": "portal-stranger"}
    assert order(ours["id"], Role.DONOR_PORTAL, expect=403, who=stranger)["rule"] == "¶53"

"""A donor portal orders its communities' products through trade (issue 16 [¶53]), each service
its own process on the real broker: an association registered in donors gets its channel in
trade by itself (trade consumes `donors.AssociationRegistered` and opens an `association_abroad`
channel whose `buyer_organization` is the association; donors learns the channel back from
`trade.ChannelRegistered` and shows it on the association), once however often the event comes.
Its portal's token places a dollar order through that channel, and nothing else: not on the
marketplace, not through another association's channel, not with another hat on the token. Each
refusal is a 403 that reserves nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from megp_common.auth import Role
from megp_common.contracts import donors as dnr
from megp_common.events import make_event
from megp_common.launcher import Platform

from .test_donors import Portal, kafka
from .test_funds_support import _publish, eventually
from .test_trade_orders import STATE, Trade, formed_group, list_product

pytestmark = pytest.mark.e2e


def register(donors: Portal, name: str) -> dict[str, Any]:
    made = donors.post(
        "/associations",
        {"name": name, "country": "US", "city": "Los Angeles", "origin_state_code": STATE},
        donors.national,
    )
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found


def channel_of(donors: Portal, club: str) -> str:
    """The channel trade opened for the club, once donors has learnt it back."""

    def known() -> str | None:
        seen = donors.get(f"/associations/{club}", donors.portal(club, states=(STATE,)))
        assert seen.status_code == 200, seen.text
        found: str | None = seen.json()["trade_channel_id"]
        return found

    channel: str = eventually(known)
    return channel


async def test_a_portal_orders_through_its_associations_channel_and_nowhere_else(
    platform: Platform, tokens: Any, infra: Any
) -> None:
    trade, donors = Trade(platform, tokens), Portal(platform, tokens)
    made = register(donors, "Club Oaxaqueño de Los Ángeles")
    club = made["id"]
    assert made["trade_channel_id"] is None  # trade has not heard of it yet
    ours_id, theirs_id = (
        channel_of(donors, club),
        channel_of(donors, register(donors, "Club Mixteco de Los Ángeles")["id"]),
    )
    ours = trade.call("GET", f"/channels/{ours_id}", Role.PROGRAMME_SUPERVISOR)
    assert ours["kind"] == "association_abroad"
    assert (ours["buyer_organization"], ours["country"], ours["states"]) == (club, "US", [STATE])
    assert set(ours["currencies"]) == {"USD", "MXN"}
    assert ours["status"] == "open"

    # the announcement again (a redelivery, a replay of the topic) opens nothing more
    again = dnr.AssociationRegistered(
        association_id=club,
        name=made["name"],
        country="US",
        city="Los Angeles",
        origin_state_code=STATE,
        registered_by="replay",
        registered_at=datetime.now(UTC),
    )
    await _publish(
        kafka(),
        "donors.events",
        [make_event(again, source="donors-e2e", key=club, time=again.registered_at, state=STATE)],
    )
    listed = trade.call(
        "GET", "/channels", Role.PROGRAMME_SUPERVISOR, params={"kind": "association_abroad"}
    )
    assert [c["id"] for c in listed if c["buyer_organization"] == club] == [ours_id]

    g = await formed_group(infra, trade)
    rug = list_product(trade, g)
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
        order(theirs_id, Role.DONOR_PORTAL, expect=403),
        order(None, Role.DONOR_PORTAL, Role.PARTICIPANT, expect=403),
    ):
        assert refused["rule"] == "¶53", refused
    assert trade.product(rug["id"])["stock"]["available"] == rug["stock"]["available"]

    placed = order(ours_id, Role.DONOR_PORTAL, expect=201)
    assert (placed["channel"], placed["currency"], placed["total"]) == (ours_id, "USD", "98.00")
    assert trade.product(rug["id"])["stock"]["available"] == rug["stock"]["available"] - 2
    # the club's channel sells to its portal only: not to another club's portal
    stranger = {"organization": "club-stranger", "subject": "portal-stranger"}
    assert order(ours_id, Role.DONOR_PORTAL, expect=403, who=stranger)["rule"] == "¶53"


def test_an_association_in_mexico_is_refused_and_gets_no_channel(
    platform: Platform, tokens: Any
) -> None:
    donors = Portal(platform, tokens)
    refused = donors.post(
        "/associations",
        {"name": "Club Local", "country": "MX", "city": "Oaxaca", "origin_state_code": STATE},
        donors.national,
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["rule"] == "¶53"

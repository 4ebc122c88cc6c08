"""Channels with their own terms [¶53, ¶96, ¶97]: the shape each kind has, who buys through
it, in which currency and from which states; a line split by the channel's terms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from megp_common.contracts import trade as ev
from megp_common.refusals import Conflict, Forbidden, RuleViolation
from trade.domain.channel import Channel, ChannelKind, ChannelStatus, fee_terms
from trade.domain.order import Order
from trade.domain.pricing import FeeTerms

from .test_order import MARKETPLACE, product

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def channel(kind: ChannelKind, **over: Any) -> Channel:
    fields: dict[str, Any] = {
        "id": f"c-{kind.value}",
        "kind": kind,
        "name": "a channel",
        "terms": FeeTerms(Decimal("0.08"), Decimal("0.04")),
        "currencies": ["MXN"],
        "country": "MX",
        "states": ["20"],
        "odf_ids": ["odf-g1"] if kind is ChannelKind.TRADE_CENTER else [],
        "buyer_organization": None if kind is ChannelKind.TRADE_CENTER else "chain",
        "by": "staff",
        "now": NOW,
    }
    return Channel.register(**(fields | over))


def test_each_kind_has_its_shape_and_is_state_bound_or_not() -> None:
    center = channel(ChannelKind.TRADE_CENTER)
    assert center.state_bound and center.states == ["20"]
    abroad = channel(ChannelKind.TRADE_CENTER, country="US", states=[], currencies=["USD", "MXN"])
    assert not abroad.state_bound and abroad.currencies == ["MXN", "USD"]
    assert channel(ChannelKind.ALLIANCE).state_bound
    assert not channel(ChannelKind.ALLIANCE, states=[]).state_bound  # a national chain
    club = channel(ChannelKind.ASSOCIATION_ABROAD, country="US", currencies=["USD"])
    assert not club.state_bound and club.states == ["20"]
    (registered,) = [r.payload for r in club.pending_events()]
    assert isinstance(registered, ev.ChannelRegistered)
    assert registered.kind == "association_abroad" and registered.buyer_organization == "chain"


@pytest.mark.parametrize(
    ("kind", "over"),
    [
        (ChannelKind.TRADE_CENTER, {"odf_ids": []}),  # nobody owns it
        (ChannelKind.TRADE_CENTER, {"states": []}),  # in Mexico, in no state
        (ChannelKind.TRADE_CENTER, {"states": ["20", "09"]}),
        (ChannelKind.TRADE_CENTER, {"country": "US"}),  # abroad, in a Mexican state
        (ChannelKind.TRADE_CENTER, {"buyer_organization": "chain"}),
        (ChannelKind.ALLIANCE, {"buyer_organization": None}),
        (ChannelKind.ALLIANCE, {"odf_ids": ["odf-g1"]}),
        (ChannelKind.ASSOCIATION_ABROAD, {}),  # in Mexico
        (ChannelKind.ASSOCIATION_ABROAD, {"country": "US", "states": []}),  # no home states
        (ChannelKind.ALLIANCE, {"currencies": ["EUR"]}),
        (ChannelKind.ALLIANCE, {"currencies": []}),
    ],
)
def test_a_channel_of_the_wrong_shape_is_refused(kind: ChannelKind, over: dict[str, Any]) -> None:
    with pytest.raises(RuleViolation):
        channel(kind, **over)


@pytest.mark.parametrize(
    ("fee", "logistics"),
    [("0.60", "0.40"), ("0.9999", "0.0001"), ("-0.01", "0"), ("0", "1"), ("NaN", "0")],
)
def test_fees_that_leave_the_producer_nothing_are_refused(fee: str, logistics: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        fee_terms(Decimal(fee), Decimal(logistics))
    assert refused.value.rule == "¶97"
    assert fee_terms(Decimal("0"), Decimal("0.9999")).producer_share == Decimal("0.0001")


def test_who_buys_in_what_and_from_where() -> None:
    alliance = channel(ChannelKind.ALLIANCE)
    alliance.admit("chain", "MXN", ["20"])
    with pytest.raises(Forbidden):
        alliance.admit(None, "MXN", ["20"])  # not the chain's buyer
    with pytest.raises(Forbidden):
        alliance.admit("another chain", "MXN", ["20"])
    with pytest.raises(Forbidden):
        alliance.admit("chain", "MXN", ["20", "09"])  # a product of another state
    with pytest.raises(RuleViolation):
        alliance.admit("chain", "USD", ["20"])  # it takes pesos only
    club = channel(ChannelKind.ASSOCIATION_ABROAD, country="US", currencies=["USD"])
    club.admit("chain", "USD", ["20"])
    with pytest.raises(Forbidden) as outside:
        club.admit("chain", "USD", ["09"])
    assert outside.value.rule == "¶53"
    anyone = channel(ChannelKind.TRADE_CENTER, country="US", states=[])
    anyone.admit(None, "MXN", ["09", "20", "31"])


def test_a_closed_channel_takes_no_orders_and_the_marketplace_stays_open() -> None:
    center = channel(ChannelKind.TRADE_CENTER)
    assert center.close("the lease ended", NOW) and not center.close("again", NOW)
    assert center.status is ChannelStatus.CLOSED
    with pytest.raises(Conflict):
        center.admit(None, "MXN", ["20"])
    with pytest.raises(RuleViolation):
        MARKETPLACE.close("no", NOW)


def test_a_line_is_split_by_its_channels_terms_and_says_which() -> None:
    rug = product("p1", "ana", "850.00")  # listed with the marketplace's 10 % + 5 %
    lines = [(rug, 2)]
    until = NOW + timedelta(minutes=30)
    center = channel(ChannelKind.TRADE_CENTER)
    order = Order.place(
        id="o", buyer="b", channel=center, lines=lines, now=NOW, reserved_until=until
    )
    (line,) = order.lines
    assert (line.channel_id, line.fee_rate, line.logistics_rate) == (
        center.id,
        Decimal("0.08"),
        Decimal("0.04"),
    )
    assert (line.split.channel_fee, line.split.logistics, line.split.producer_part) == (
        Decimal("136.00"),
        Decimal("68.00"),
        Decimal("1496.00"),
    )
    on_market = Order.place(
        id="m", buyer="b", channel=MARKETPLACE, lines=lines, now=NOW, reserved_until=until
    )
    assert on_market.lines[0].split.producer_part == Decimal("1445.00")  # its published 85 %
    (placed,) = [r.payload for r in order.pending_events() if isinstance(r.payload, ev.OrderPlaced)]
    assert placed.channel == center.id and placed.lines[0].channel_id == center.id

"""Sales channels, each with its own terms [¶53, ¶54, ¶96, ¶97].

- `marketplace`: the programme's national online store; it always exists (id "marketplace"),
  its terms come from the settings when it is first used.
- `trade_center`: a shop owned by one or several ODFs [¶97], in a Mexican state (then bound to
  that state) or abroad (a country other than MX, not state-bound).
- `alliance`: a shop chain or supermarket [¶96]: a buyer organization with negotiated terms,
  for the states its agreement names (state-bound), or nationally.
- `association_abroad`: an association of Mexicans abroad buying its home communities'
  products [¶53]: only products of its states of origin, bought through its own portal.

A channel's `states` say where its products come from (none: every state). A **state-bound**
channel also wants the buyer's scope to cover every line's state. Who may buy through it:
anyone signed in (marketplace, trade center), the alliance's buyer organization, the
association's portal (a token whose `organization` is the channel's buyer organization)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final

from megp_common.aggregate import Aggregate
from megp_common.contracts import trade as ev
from megp_common.ids import deterministic_id
from trade.domain.errors import InvalidTransition, NotAuthorized, TradeRuleViolation
from trade.domain.pricing import FeeTerms

MARKETPLACE: Final = "marketplace"
HOME: Final = "MX"
#: The currencies a channel may take: prices exist in these two lists only.
CURRENCIES: Final = ("MXN", "USD")


def association_channel_id(association_id: str) -> str:
    """The id of the channel trade opens for an association abroad (one per association)."""
    return deterministic_id("trade", "association-channel", association_id)


class ChannelKind(StrEnum):
    MARKETPLACE = "marketplace"
    TRADE_CENTER = "trade_center"
    ALLIANCE = "alliance"
    ASSOCIATION_ABROAD = "association_abroad"


class ChannelStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


def fee_terms(fee_rate: Decimal, logistics_rate: Decimal) -> FeeTerms:
    """The channel's terms, or a 422 saying why they leave the producer nothing."""
    try:
        return FeeTerms(fee_rate, logistics_rate)
    except ValueError as exc:
        raise TradeRuleViolation(
            f"fee rate {fee_rate} and logistics rate {logistics_rate}: {exc} (each from 0, "
            "together below 1)",
            rule="¶97",
        ) from None


class Channel(Aggregate):
    kind: ChannelKind
    name: str
    fee_rate: Decimal
    logistics_rate: Decimal
    currencies: list[str]
    country: str = HOME
    states: list[str] = []
    state_bound: bool
    odf_ids: list[str] = []
    buyer_organization: str | None = None
    status: ChannelStatus = ChannelStatus.OPEN
    registered_by: str
    registered_at: datetime
    closed_at: datetime | None = None

    def state_code(self) -> str | None:
        return self.states[0] if len(self.states) == 1 else None

    @property
    def terms(self) -> FeeTerms:
        return FeeTerms(self.fee_rate, self.logistics_rate)

    @property
    def is_marketplace(self) -> bool:
        return self.kind is ChannelKind.MARKETPLACE

    @classmethod
    def register(
        cls,
        *,
        id: str,
        kind: ChannelKind,
        name: str,
        terms: FeeTerms,
        currencies: list[str],
        country: str,
        states: list[str],
        odf_ids: list[str],
        buyer_organization: str | None,
        by: str,
        now: datetime,
    ) -> Channel:
        currencies = sorted(set(currencies))
        if not currencies or any(c not in CURRENCIES for c in currencies):
            raise TradeRuleViolation(
                f"a channel takes MXN and/or USD (prices exist in those), not {currencies}"
            )
        states = sorted(set(states))
        bound = _check_kind(kind, country, states, odf_ids, buyer_organization)
        channel = cls(
            id=id,
            kind=kind,
            name=name,
            fee_rate=terms.channel_rate,
            logistics_rate=terms.logistics_rate,
            currencies=currencies,
            country=country,
            states=states,
            state_bound=bound,
            odf_ids=sorted(set(odf_ids)),
            buyer_organization=buyer_organization,
            registered_by=by,
            registered_at=now,
        )
        channel.record(
            ev.ChannelRegistered(
                channel_id=id,
                kind=kind.value,
                name=name,
                fee_rate=channel.fee_rate,
                logistics_rate=channel.logistics_rate,
                currencies=currencies,
                country=country,
                states=states,
                state_bound=bound,
                odf_ids=channel.odf_ids,
                buyer_organization=buyer_organization,
                registered_by=by,
                registered_at=now,
            )
        )
        return channel

    @classmethod
    def marketplace(cls, terms: FeeTerms, currencies: list[str], now: datetime) -> Channel:
        """The national online store, as the settings describe it when it is first used."""
        return cls.register(
            id=MARKETPLACE,
            kind=ChannelKind.MARKETPLACE,
            name="Marketplace of the programme",
            terms=terms,
            currencies=currencies,
            country=HOME,
            states=[],
            odf_ids=[],
            buyer_organization=None,
            by="settings",
            now=now,
        )

    def close(self, reason: str, now: datetime) -> bool:
        """No new orders through the channel; False when it was closed already."""
        if self.is_marketplace:
            raise TradeRuleViolation("the marketplace is the programme's own store; it stays open")
        if self.status is ChannelStatus.CLOSED:
            return False
        self.status, self.closed_at = ChannelStatus.CLOSED, now
        self.record(ev.ChannelClosed(channel_id=self.id, reason=reason, closed_at=now))
        return True

    def admit(self, organization: str | None, currency: str, line_states: list[str]) -> None:
        """May this buyer order these products in this currency here? (The caller's state
        scope, for a state-bound channel, is the service layer's `check_state`.)"""
        if self.status is ChannelStatus.CLOSED:
            raise InvalidTransition(f"channel {self.id} is closed; it takes no new orders")
        if currency not in self.currencies:
            raise TradeRuleViolation(
                f"channel {self.id} takes {', '.join(self.currencies)}, not {currency}"
            )
        if self.buyer_organization is not None and organization != self.buyer_organization:
            raise NotAuthorized(
                f"channel {self.id} sells to {self.buyer_organization} only: the caller's "
                "token must name that organization",
                rule="¶53" if self.kind is ChannelKind.ASSOCIATION_ABROAD else "¶96",
            )
        outside = sorted({s for s in line_states if self.states and s not in self.states})
        if outside:
            raise NotAuthorized(
                f"channel {self.id} sells products of states {', '.join(self.states)}, "
                f"not of {', '.join(outside)}",
                rule="¶53" if self.kind is ChannelKind.ASSOCIATION_ABROAD else "¶97",
            )


def _check_kind(
    kind: ChannelKind,
    country: str,
    states: list[str],
    odf_ids: list[str],
    buyer_organization: str | None,
) -> bool:
    """The shape each kind of channel has; whether it is state-bound."""
    if kind is ChannelKind.MARKETPLACE:
        return True  # the national store sells each state's products to that state's callers
    if kind is ChannelKind.TRADE_CENTER:
        if not odf_ids:
            raise TradeRuleViolation("a trade center is owned by one or several ODFs", rule="¶97")
        if buyer_organization is not None:
            raise TradeRuleViolation("a trade center sells to anyone; it names no buyer")
        if country == HOME and len(states) != 1:
            raise TradeRuleViolation(
                "a trade center in Mexico is in one state (`states`: its state code)", rule="¶97"
            )
        if country != HOME and states:
            raise TradeRuleViolation("a trade center abroad is in no Mexican state", rule="¶97")
        return country == HOME
    if odf_ids:
        raise TradeRuleViolation(f"an {kind.value} is not owned by ODFs; it names its buyer")
    if not buyer_organization:
        raise TradeRuleViolation(f"an {kind.value} names its buyer organization")
    if kind is ChannelKind.ALLIANCE:
        return bool(states)
    if country == HOME:
        raise TradeRuleViolation("an association of Mexicans abroad is abroad", rule="¶53")
    if not states:
        raise TradeRuleViolation(
            "an association abroad buys its home communities' products: name their states",
            rule="¶53",
        )
    return False

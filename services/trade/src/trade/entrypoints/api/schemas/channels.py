"""Sales channels with their own terms [¶53, ¶54, ¶96, ¶97], and the day's exchange rates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from megp_common.auth import Principal
from megp_common.money import CurrencyCode, ExchangeRate, FeeRate, Rate
from megp_common.schemas import RequestModel
from trade.domain.channel import Channel, ChannelKind, ChannelStatus
from trade.domain.commands import RecordRate, RegisterChannel
from trade.domain.exchange import DailyRate

Currency = Literal["MXN", "USD"]
MXN: Currency = "MXN"
StateCode = Annotated[str, Field(pattern=r"^(0[1-9]|[12][0-9]|3[0-2])$")]
Id = Annotated[str, Field(min_length=1, max_length=100)]


class ChannelCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "trade_center",
                    "name": "Casa de las Artesanías de Oaxaca",
                    "fee_rate": "0.08",
                    "logistics_rate": "0.04",
                    "states": ["20"],
                    "odf_ids": ["0194f2a1-8a1b-7c2d-9e3f-1a2b3c4d5e6f"],
                    "currencies": ["MXN"],
                },
                {
                    "kind": "association_abroad",
                    "name": "Club Oaxaqueño de Los Ángeles",
                    "fee_rate": "0.05",
                    "logistics_rate": "0.12",
                    "states": ["20"],
                    "country": "US",
                    "buyer_organization": "club-oaxaca-la",
                    "currencies": ["USD"],
                },
            ]
        },
    )

    kind: Literal["trade_center", "alliance", "association_abroad"] = Field(
        description="The marketplace is not registered: it always exists"
    )
    name: Annotated[str, Field(min_length=1, max_length=120)]
    fee_rate: FeeRate = Field(
        description="The channel's fee, a fraction of each sale line: a decimal string from 0 "
        "to 0.9999, four decimals at most (with logistics, below 1)"
    )
    logistics_rate: FeeRate = Field(
        description="Logistics, a fraction of each sale line: a decimal string from 0 to "
        "0.9999, four decimals at most"
    )
    states: list[StateCode] = Field(
        max_length=32,
        description="A trade center in Mexico: its state; an alliance: the states its "
        "agreement covers (none: national); an association abroad: its states of origin",
    )
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = Field(
        default="MX", description="ISO 3166-1 alpha-2 code of where it sells"
    )
    odf_ids: list[Id] = Field(
        default_factory=list, max_length=20, description="A trade center's owning ODFs"
    )
    buyer_organization: Id | None = Field(
        default=None,
        description="An alliance's chain, an association's portal: the token `organization` "
        "of who buys through it",
    )
    currencies: list[Currency] = Field(default_factory=lambda: [MXN], min_length=1, max_length=2)

    def command(self) -> RegisterChannel:
        return RegisterChannel(
            kind=self.kind,
            name=self.name,
            fee_rate=self.fee_rate,
            logistics_rate=self.logistics_rate,
            states=tuple(self.states),
            currencies=tuple(self.currencies),
            country=self.country,
            odf_ids=tuple(self.odf_ids),
            buyer_organization=self.buyer_organization,
        )


class ChannelClosing(RequestModel):
    reason: Annotated[str, Field(min_length=3, max_length=200)]


class ChannelPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "marketplace",
                    "version": 1,
                    "kind": "marketplace",
                    "name": "Marketplace of the programme",
                    "status": "open",
                    "fee_rate": "0.10",
                    "logistics_rate": "0.05",
                    "producer_share": "0.85",
                    "currencies": ["MXN"],
                    "country": "MX",
                    "states": [],
                    "state_bound": True,
                    "odf_ids": [],
                    "buyer_organization": None,
                    "registered_at": "2027-03-01T12:00:00Z",
                }
            ]
        }
    )

    id: str
    version: int
    kind: ChannelKind
    name: str
    status: ChannelStatus
    fee_rate: Rate
    logistics_rate: Rate
    producer_share: Rate = Field(
        description="The producer's part of every sale through this channel [¶97-¶98]; on "
        "the marketplace each product's own share (fixed when listed) applies"
    )
    currencies: list[str]
    country: str
    states: list[str]
    state_bound: bool = Field(
        description="A buyer's scope must cover every line's state (403 otherwise)"
    )
    odf_ids: list[str] | None = Field(
        description="A trade center's owners: shown to readers whose scope covers its states "
        "(a national scope for one abroad)"
    )
    buyer_organization: str | None = Field(
        description="Who buys through it; an association abroad's (donors' record of a "
        "community's club) is shown only to readers whose scope covers its states and to the "
        "association's own portal"
    )
    registered_at: datetime
    closed_at: datetime | None = None

    @classmethod
    def of(cls, channel: Channel, who: Principal) -> ChannelPublic:
        states: list[str | None] = list(channel.states) or [None]  # none: a national record
        inside = all(who.can_act_in_state(s) for s in states)
        return cls(
            id=channel.id,
            version=channel.version,
            kind=channel.kind,
            name=channel.name,
            status=channel.status,
            fee_rate=channel.fee_rate,
            logistics_rate=channel.logistics_rate,
            producer_share=channel.terms.producer_share,
            currencies=channel.currencies,
            country=channel.country,
            states=channel.states,
            state_bound=channel.state_bound,
            odf_ids=channel.odf_ids if inside else None,
            buyer_organization=(
                channel.buyer_organization
                if inside
                or channel.kind is not ChannelKind.ASSOCIATION_ABROAD
                or who.organization == channel.buyer_organization
                else None
            ),
            registered_at=channel.registered_at,
            closed_at=channel.closed_at,
        )


class RateCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"currency": "USD", "on": "2027-03-01", "exchange_rate": "17.253000"}]
        },
    )

    currency: CurrencyCode
    on: date = Field(description="The day whose payments convert at this rate")
    exchange_rate: ExchangeRate = Field(description="MXN per unit of the currency")

    def command(self) -> RecordRate:
        return RecordRate(self.currency, self.on, self.exchange_rate)


class RatePublic(BaseModel):
    currency: str
    rate_date: date
    exchange_rate: Rate = Field(description="MXN per unit of the currency")
    recorded_at: datetime

    @classmethod
    def of(cls, daily: DailyRate) -> RatePublic:
        return cls(
            currency=daily.currency,
            rate_date=daily.rate_date,
            exchange_rate=daily.rate,
            recorded_at=daily.recorded_at,
        )

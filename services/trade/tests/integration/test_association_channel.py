"""An association abroad's channel opened from donors' announcement, against the real store:
`donors.AssociationRegistered` gives the association its `association_abroad` channel (its
state of origin's products, its portal the only buyer, the settings' terms and currencies) with
one `ChannelRegistered`; the same announcement again, or a copy with another event id, opens
nothing more; an association in Mexico gets none (trade's channel rules) and nothing is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from megp_common.clock import SettableClock
from megp_common.contracts import donors as dnr
from megp_common.events import make_event
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter, make_client, outbox_entries
from megp_common.testing.infra import Infra
from trade.bootstrap import build_services
from trade.config import Settings
from trade.domain.channel import ChannelKind, association_channel_id
from trade.service_layer.event_handlers import handlers

pytestmark = pytest.mark.integration

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def registered(association_id: str, country: str = "US") -> dnr.AssociationRegistered:
    return dnr.AssociationRegistered(
        association_id=association_id,
        name="Club Zacatecano de Chicago",
        country=country,
        city="Chicago",
        origin_state_code="32",
        registered_by="sup-national",
        registered_at=NOW,
    )


async def test_an_association_gets_its_channel_once(infra: Infra) -> None:
    client = make_client(infra.mongo)
    db = client[f"trade_assoc_{new_id()[-12:]}"]
    clock = SettableClock()
    outbox = OutboxWriter(service="trade", topic="trade.events", clock=clock)
    services = build_services(Settings(), clock, db, outbox)
    handle = handlers(services)[dnr.AssociationRegistered.event_type]
    try:
        club = f"club-{new_id()[-8:]}"
        first = make_event(registered(club), source="/megp/donors", key=club, time=NOW)
        copy = make_event(registered(club), source="/megp/donors", key=club, time=NOW)
        for env in (first, first, copy):
            await handle(env, env.payload())
        channel = await services.channels.get(association_channel_id(club))
        assert channel.kind is ChannelKind.ASSOCIATION_ABROAD
        assert (channel.buyer_organization, channel.country, channel.states) == (club, "US", ["32"])
        assert channel.currencies == ["MXN", "USD"]
        assert (channel.fee_rate, channel.logistics_rate) == (Decimal("0.05"), Decimal("0.12"))
        assert channel.state_bound is False
        stored = await db[services.channels.collection].find_one({"_id": channel.id})
        assert stored is not None
        announced = [e for e in outbox_entries(stored) if "ChannelRegistered" in e["type"]]
        assert len(announced) == 1
        assert (
            await db[services.channels.collection].count_documents({"buyer_organization": club})
            == 1
        )

        # trade's rules: an association abroad is abroad; nothing stored, nothing raised
        home = f"club-{new_id()[-8:]}"
        env = make_event(registered(home, "MX"), source="/megp/donors", key=home, time=NOW)
        await handle(env, env.payload())
        assert await services.channels.find(association_channel_id(home)) is None
    finally:
        await client.drop_database(db.name)
        await client.close()

"""The sales ledger against the real store: a completed sale's lines are written once however
often its event is delivered (the same event again, or another event for the same sale), the
producer is stamped as trade knew them at the sale, a report reads one state through the
store's index and refuses (422) to read more than its bound."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from megp_common.auth import Principal, Role
from megp_common.clock import SettableClock
from megp_common.contracts import enrollment as enr
from megp_common.contracts import trade as ev
from megp_common.events import EventEnvelope, make_event
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter, make_client
from megp_common.refusals import Forbidden, ValidationFailed
from megp_common.testing.infra import Infra
from trade.bootstrap import build_services
from trade.config import Settings
from trade.domain.channel import Channel
from trade.domain.order import Order
from trade.domain.pricing import FeeTerms
from trade.domain.product import Product
from trade.service_layer import ledger, reports

MARKETPLACE_CHANNEL = Channel.marketplace(
    FeeTerms(Decimal("0.10"), Decimal("0.05")), ["MXN"], datetime(2027, 1, 1, tzinfo=UTC)
)

pytestmark = pytest.mark.integration

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def product(pid: str, producer: str, state: str) -> Product:
    return Product.list_(
        id=pid,
        group_id=f"g-{state}",
        odf_id=f"odf-{state}",
        producer_id=producer,
        state=state,
        municipality="Oaxaca de Juárez",
        name="rebozo",
        category="textiles",
        niche="shops",
        unit="piece",
        price_mxn=Decimal("33.33"),
        price_usd=None,
        programmes=["women"],
        terms=FeeTerms(Decimal("0.10"), Decimal("0.05")),
        stock=10,
        now=NOW,
    )


def sale_of(env: EventEnvelope) -> ev.SaleCompleted:
    payload = env.payload()
    assert isinstance(payload, ev.SaleCompleted)
    return payload


def supervisor(*states: str) -> Principal:
    return Principal("s", frozenset({Role.PROGRAMME_SUPERVISOR}), frozenset(states))


def enrolled(pid: str, *, female: bool, at: datetime) -> enr.ParticipantEnrolled:
    return enr.ParticipantEnrolled(
        participant_id=pid,
        curp="SAXX800101MOCNNN09",
        given_names="Ana",
        first_surname="Sánchez",
        birth_date=date(1980, 1, 1),
        gender="female" if female else "male",
        state_code="20",
        state_name="Oaxaca",
        municipality="Oaxaca de Juárez",
        functions=["production"],
        member_type="micro_producer",
        programmes=["women"] if female else [],
        disabled=False,
        indigenous=not female,
        inventor=False,
        enrolled_at=at,
    )


async def test_a_sale_is_written_once_and_read_by_state_within_the_bound(infra: Infra) -> None:
    client = make_client(infra.mongo)
    db = client[f"trade_ledger_{new_id()[-12:]}"]
    clock = SettableClock()
    outbox = OutboxWriter(service="trade", topic="trade.events", clock=clock)
    services = build_services(Settings(report_lines_max=3), clock, db, outbox)
    try:
        for col in ("sale_lines",):
            await db[col].create_index("state")
        # the producer, enrolled; a late copy of an older snapshot changes nothing
        newer = make_event(enrolled("ana", female=True, at=NOW), source="/e", key="ana", time=NOW)
        older = make_event(
            enrolled("ana", female=False, at=NOW - timedelta(days=1)),
            source="/e",
            key="ana",
            time=NOW,
        )
        for env in (newer, newer, older):
            payload = env.payload()
            assert isinstance(payload, enr.ParticipantEnrolled)
            await ledger.learn_producer(services, env, payload)
        ana = await services.producers.get("ana")
        assert (ana.gender, ana.indigenous) == ("female", False)

        products = [
            product("p1", "ana", "20"),
            product("p2", "ana", "20"),
            product("p3", "x", "09"),
        ]
        for p in products:
            await services.products.add(p)
        order = Order.place(
            id="o1",
            buyer="b",
            channel=MARKETPLACE_CHANNEL,
            lines=[(products[0], 1), (products[1], 3), (products[2], 2)],
            now=NOW,
            reserved_until=NOW + timedelta(minutes=30),
        )
        order.pay(order.total, "MXN", NOW)
        for n in (1, 2, 3):
            order.fulfil(n, NOW.date())
        sales = [r for r in order.pending_events() if isinstance(r.payload, ev.SaleCompleted)]
        await services.orders.add(order)
        envelopes = [
            make_event(r.payload, source="/megp/trade", key=r.key or "", time=NOW) for r in sales
        ]
        written = [await ledger.record_sale(services, e, sale_of(e)) for e in envelopes]
        assert sorted(written) == [1, 2]
        # the same events again, and a new event for the same sale: nothing more
        copy = make_event(sales[0].payload, source="/megp/trade", key="k", time=NOW)
        for env in [*envelopes, copy]:
            assert await ledger.record_sale(services, env, sale_of(env)) == 0
        assert await db["sale_lines"].count_documents({}) == 3

        lines = await reports.sale_lines(services, supervisor("20"), reports.Filters())
        assert sorted((x.id, x.amount, x.producer_gender) for x in lines) == [
            ("o1:1", Decimal("33.33"), "female"),
            ("o1:2", Decimal("99.99"), "female"),
        ]
        both = await reports.sale_lines(services, supervisor("20", "09"), reports.Filters())
        assert len(both) == 3 and {x.producer_gender for x in both if x.state == "09"} == {None}
        with pytest.raises(Forbidden):
            await reports.sale_lines(services, supervisor("20"), reports.Filters(state="09"))
        # four lines are more than the bound of three: refused, not a partial total
        await services.sale_lines.add_once(lines[0].model_copy(update={"number": 9}))
        with pytest.raises(ValidationFailed) as refused:
            await reports.sale_lines(services, supervisor("*"), reports.Filters())
        assert refused.value.status == 422 and refused.value.extensions["bound"] == 3
    finally:
        await client.drop_database(db.name)
        await client.close()

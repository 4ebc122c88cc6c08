"""Enrollment counts a run of a group's sales with one write to the group period they land in,
against the real store (write commands counted by a command listener), reading what the sales
need of their group once for the run; the run redelivered
writes nothing, and the period holds what the same sales give one at a time. The next run
writes the copy the consumer committed, without reading it; one another writer made stale is
refused and read again."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from enrollment.domain.group import DevelopmentOrganization, ProjectGroup
from enrollment.domain.group_period import GroupPeriod
from enrollment.domain.terms import ProgrammeTerms
from enrollment.service_layer.container import Services
from enrollment.service_layer.event_handlers import build
from megp_common.clock import SettableClock
from megp_common.consumer import BatchHandler
from megp_common.contracts import trade
from megp_common.events import EventEnvelope, make_event
from megp_common.ids import new_id
from megp_common.mongo import ConcurrencyConflict, Document, OutboxWriter
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import counting_client

AT = datetime(2027, 3, 20, 12, tzinfo=UTC)


async def _services(db: AsyncDatabase[Document], group_id: str) -> Services:
    clock = SettableClock()
    clock.set(AT)
    outbox = OutboxWriter(service="enrollment", topic="enrollment.events", clock=clock)
    services = Services.build(db, outbox, clock, ProgrammeTerms())
    group = ProjectGroup(
        id=group_id,
        project_id=f"project-{group_id}",
        name="Tamales de la Sierra",
        state="09",
        municipality="Coyoacán",
        minimum_members=5,
        opened_at=AT,
        odf=DevelopmentOrganization(
            odf_id=f"odf-{group_id}",
            legal_name="Tamales de la Sierra A.C.",
            rfc="TSI270101AB1",
            trust_bank="Banorte",
            registered_at=AT,
        ),
    )
    await services.groups.add(group)
    return services


def _sale(group_id: str, producer: str, part: str) -> tuple[EventEnvelope, Any]:
    payload = trade.SaleCompleted(
        order_id=f"order-{new_id()}",
        producer_id=producer,
        group_id=group_id,
        odf_id=f"odf-{group_id}",
        state_code="09",
        channel="marketplace",
        amount=Decimal(part) * 2,
        producer_part=Decimal(part),
        channel_fee=Decimal(part) / 2,
        logistics=Decimal(part) / 2,
        completed_on=date(2027, 3, 18),
    )
    return make_event(payload, source="/megp/trade", key=group_id, time=AT), payload


def _periods(services: Services) -> BatchHandler:
    handler = build(services)["trade.SaleCompleted"]
    assert isinstance(handler, BatchHandler)
    return handler


def _counted(doc: GroupPeriod) -> list[tuple[str, str, Decimal]]:
    return sorted((s.order_id, s.participant_id, s.producer_part) for s in doc.unplanned_sales)


async def test_a_run_of_a_groups_sales_is_one_write_to_its_period(infra: Infra) -> None:
    client, writes = counting_client(infra.mongo)
    batched_db, single_db = (client[f"enrollment_batch_{new_id()[-12:]}"] for _ in range(2))
    try:
        group = f"g-{new_id()}"
        batched, single = await _services(batched_db, group), await _services(single_db, group)
        run = [_sale(group, f"p-{i % 4}", f"{100 + i}.50") for i in range(10)]
        writes.taken(), writes.reads_taken()

        handler = _periods(batched)
        await handler.handle(run)
        assert writes.taken() == {"group_periods": 1}
        # what the sales need of their group (no plan book yet: the group, its plans) read
        # once for the run, not once a sale; the period once (by its shard, then by `_id`
        # alone, as a load whose hint found nothing does: it is new)
        assert writes.reads_taken() == {
            "plan_books": 1,
            "groups": 1,
            "business_plans": 1,
            "group_periods": 2,
        }
        await handler.handle(run)  # redelivered: nothing written
        assert writes.taken() == {}

        one_by_one = _periods(single)
        for envelope, payload in run:  # what the runner does when a run fails
            await one_by_one(envelope, payload)
        assert writes.taken() == {"group_periods": 10}

        [got] = await batched.periods.find_many({})
        [expected] = await single.periods.find_many({})
        assert got.id == expected.id and got.version == 1
        assert _counted(got) == _counted(expected)
        assert len(_counted(got)) == 10
        assert sum(part for _, _, part in _counted(got)) == Decimal("1050.00")
    finally:
        for db in (batched_db, single_db):
            await client.drop_database(db.name)
        await client.close()


async def test_a_next_run_writes_without_a_read_and_a_stale_copy_is_read_again(
    infra: Infra,
) -> None:
    client, writes = counting_client(infra.mongo)
    db = client[f"enrollment_recent_{new_id()[-12:]}"]
    try:
        group = f"g-{new_id()}"
        services = await _services(db, group)
        handler = _periods(services)
        await handler.handle([_sale(group, "p-1", "100.00")])
        writes.taken(), writes.reads_taken()
        await handler.handle([_sale(group, "p-2", "200.00")])  # the copy it committed
        assert writes.taken() == {"group_periods": 1}
        assert "group_periods" not in writes.reads_taken()

        # another writer (a request, another process) commits the period meanwhile
        [stored] = await services.periods.find_many({})
        await services.periods.save(stored)
        late = [_sale(group, "p-3", "300.00")]
        with pytest.raises(ConcurrencyConflict):
            await handler.handle(late)  # its copy is stale: the write is refused
        await handler.handle(late)  # what the runner does next: read again, write
        [got] = await services.periods.find_many({})
        parts = sorted(part for _, _, part in _counted(got))
        assert parts == [Decimal("100.00"), Decimal("200.00"), Decimal("300.00")]
        assert got.version == stored.version + 1
    finally:
        await client.drop_database(db.name)
        await client.close()

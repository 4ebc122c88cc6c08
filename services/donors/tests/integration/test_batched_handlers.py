"""Donors takes a run of events with one write per project or fund history, against the real
store (write commands counted by a command listener): a group's members enrolling cost its
project one write, a fund's instalments paid its history one; the run redelivered writes
nothing, and the outcome is the one the same events give one at a time. Through the runner, a
group's sales among the order events donors ignores are one run. A group's next run writes the
project this consumer committed without reading it; a copy another writer made stale is refused
and read again."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from donors.bootstrap import build_services
from donors.config import Settings
from donors.service_layer.container import Services
from donors.service_layer.event_handlers import DonorEventHandlers
from megp_common.bus import KafkaBus, OutgoingRecord, ensure_topics
from megp_common.clock import SettableClock
from megp_common.consumer import BatchHandler, ConsumerRunner
from megp_common.contracts import enrollment as enr
from megp_common.contracts import funds as fnd
from megp_common.contracts import trade as trd
from megp_common.events import EventEnvelope, EventPayload, make_event
from megp_common.ids import new_id
from megp_common.mongo import ConcurrencyConflict, OutboxWriter
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import counting_client

AT = datetime(2027, 4, 15, 9, tzinfo=UTC)


def _enrolled(group_id: str, i: int) -> EventPayload:
    return enr.ParticipantEnrolled(
        participant_id=f"p-{i}",
        curp="GODE561231MDFRRL09",
        given_names="Elena",
        first_surname="Gómez",
        birth_date=date(1956, 12, 31),
        gender="female",
        state_code="09",
        state_name="Ciudad de México",
        municipality="Coyoacán",
        functions=["production"],
        member_type="micro_producer",
        programmes=["women", "elderly"] if i % 2 else ["women"],
        disabled=False,
        indigenous=False,
        inventor=False,
        group_id=group_id,
        enrolled_at=AT,
    )


def _repaid(group_id: str, i: int) -> EventPayload:
    return fnd.FundRepaymentMade(
        fund_id=group_id,
        group_id=group_id,
        state_code="09",
        entry_id=f"instalment:loan-{i}:1",
        loan_id=f"loan-{i}",
        installment_number=1,
        borrower_kind="participant",
        borrower_id=f"p-{i}",
        amount=Decimal("310.00"),
        principal=Decimal("300.00"),
        interest=Decimal("10.00"),
        paid_from=fnd.SubFundSplit(development=Decimal("250.00"), competition=Decimal("60.00")),
        borrower_owes=Decimal("310.00"),
        paid_at=AT,
    )


def _run(payloads: list[EventPayload], group_id: str) -> list[tuple[EventEnvelope, Any]]:
    return [(make_event(p, source="/megp/x", key=group_id, time=AT), p) for p in payloads]


def _handler(services: Services, event_type: str) -> BatchHandler:
    handler = DonorEventHandlers(services).table()[event_type]
    assert isinstance(handler, BatchHandler)
    return handler


async def test_runs_of_a_groups_events_are_one_write_to_its_project_and_its_history(
    infra: Infra,
) -> None:
    client, writes = counting_client(infra.mongo)
    batched_db, single_db = (client[f"donors_batch_{new_id()[-12:]}"] for _ in range(2))
    clock = SettableClock()
    outbox = OutboxWriter(service="donors", topic="donors.events", clock=clock)
    batched, single = (
        build_services(Settings(), clock, db, outbox) for db in (batched_db, single_db)
    )
    try:
        group = f"g-{new_id()}"
        runs = {
            ("enrollment.ParticipantEnrolled", "projects"): [_enrolled(group, i) for i in range(9)],
            ("funds.FundRepaymentMade", "fund_histories"): [_repaid(group, i) for i in range(5)],
        }
        for (event_type, collection), payloads in runs.items():
            run = _run(payloads, group)
            writes.taken()
            handler = _handler(batched, event_type)
            await handler.handle(run)
            assert writes.taken() == {collection: 1}
            await handler.handle(run)  # redelivered: nothing written
            assert writes.taken() == {}
            one_by_one = _handler(single, event_type)
            for envelope, payload in run:  # what the runner does when a run fails
                await one_by_one(envelope, payload)
            assert writes.taken() == {collection: len(run)}

        project, expected = await batched.projects.get(group), await single.projects.get(group)
        assert project.programmes == expected.programmes and len(project.programmes) == 9
        history = await batched.histories.get(group)
        assert history.movements == (await single.histories.get(group)).movements
        assert sum(m.development for m in history.movements) == -125_000  # cents: 5 x 250.00
    finally:
        for db in (batched_db, single_db):
            await client.drop_database(db.name)
        await client.close()


def _sale(group_id: str, producer_id: str, order_id: str, amount: str) -> EventPayload:
    return trd.SaleCompleted(
        order_id=order_id,
        producer_id=producer_id,
        group_id=group_id,
        odf_id="odf-1",
        state_code="09",
        channel="marketplace",
        amount=Decimal(amount),
        producer_part=Decimal(amount),
        channel_fee=Decimal("0"),
        logistics=Decimal("0"),
        completed_on=AT.date(),
        amount_mxn=Decimal(amount),
        producer_part_mxn=Decimal(amount),
    )


def _shipped(group_id: str, producer_id: str, order_id: str) -> EventPayload:
    return trd.OrderLineFulfilled(
        order_id=order_id,
        number=1,
        product_id="prod-1",
        producer_id=producer_id,
        group_id=group_id,
        quantity=1,
        fulfilled_on=AT.date(),
    )


async def test_a_partition_of_sales_among_order_events_and_members_is_one_write_per_project(
    infra: Infra,
) -> None:
    """Through the consumer runner, on the real broker: trade's sales interleaved with the order
    events donors takes no interest in, and a group's member events among them, are one run
    of the project's family: one read and one write for the run's projects (it was a read and
    a write per sale)."""
    client, writes = counting_client(infra.mongo)
    db = client[f"donors_runs_{new_id()[-12:]}"]
    topic = f"test.donors.runs.{new_id()[-12:]}"
    await ensure_topics(infra.kafka, [topic, f"{topic}.dlq"], partitions=1)
    clock = SettableClock()
    services = build_services(
        Settings(), clock, db, OutboxWriter(service="donors", topic="donors.events", clock=clock)
    )
    bus = KafkaBus(infra.kafka, service="donors-runs-test")
    await bus.start()
    g1, g2 = f"g1-{new_id()}", f"g2-{new_id()}"
    stream = [
        _shipped(g1, "p-1", "o-1"),
        enr.MemberJoinedGroup(
            group_id=g1,
            participant_id="p-1",
            joined_on=AT.date(),
            business_reason="weaving",
            letter_of_commitment=[],
            active_members=1,
        ),
        _sale(g1, "p-1", "o-1", "120.50"),
        _shipped(g2, "p-2", "o-2"),
        _sale(g2, "p-2", "o-2", "80.00"),
        _enrolled(g1, 3),
        _shipped(g1, "p-3", "o-3"),
        _sale(g1, "p-3", "o-3", "10.25"),
    ]
    records = [
        OutgoingRecord(topic=topic, key="one", value=envelope.to_json(), event_type=envelope.type)
        for envelope, _ in _run(stream, "one")
    ]
    runner = ConsumerRunner(
        service=f"donors-{new_id()[-8:]}",
        bootstrap_servers=infra.kafka,
        topics=[topic],
        handlers=DonorEventHandlers(services).table(),
        bus=bus,
        dead_letter_topic=f"{topic}.dlq",
    )
    try:
        await bus.publish_many(records)  # acknowledged before the runner starts: one poll
        writes.taken(), writes.reads_taken()
        await runner.start()
        for _ in range(600):
            if runner.handled + runner.dead_lettered >= 5:
                break
            await asyncio.sleep(0.1)
        await runner.stop()
        assert (runner.handled, runner.dead_lettered) == (5, 0)
        assert writes.taken() == {"projects": 1}  # both projects new: one bulk insert
        assert writes.reads_taken() == {"projects": 1}
        one, two = await services.projects.get(g1), await services.projects.get(g2)
        month = AT.date().isoformat()[:7]
        assert (one.sales_cents, two.sales_cents) == ({month: 13_075}, {month: 8_000})
        assert one.members == ["p-1"] and "p-3" in one.programmes
    finally:
        if runner.running:
            await runner.stop()
        await bus.stop()
        await client.drop_database(db.name)
        await client.close()


async def test_a_groups_next_run_writes_its_project_without_reading_it(infra: Infra) -> None:
    client, writes = counting_client(infra.mongo)
    db = client[f"donors_recent_{new_id()[-12:]}"]
    clock = SettableClock()
    outbox = OutboxWriter(service="donors", topic="donors.events", clock=clock)
    services = build_services(Settings(), clock, db, outbox)
    try:
        group = f"g-{new_id()}"
        table = DonorEventHandlers(services).table()
        enrolled, sold = table["enrollment.ParticipantEnrolled"], table["trade.SaleCompleted"]
        assert isinstance(enrolled, BatchHandler) and isinstance(sold, BatchHandler)
        await enrolled.handle(_run([_enrolled(group, i) for i in range(3)], group))
        writes.taken(), writes.reads_taken()

        # the group's sales, a run after its members': the project as this consumer wrote it
        await sold.handle(_run([_sale(group, "p-1", "o-1", "100.00")], group))
        await sold.handle(_run([_sale(group, "p-2", "o-2", "50.25")], group))
        assert writes.taken() == {"projects": 2}
        assert "projects" not in writes.reads_taken()

        # another writer (a second process, after a rebalance) commits the project meanwhile
        stored = await services.projects.get(group)
        await services.projects.save(stored)
        late = _run([_sale(group, "p-3", "o-3", "10.00")], group)
        with pytest.raises(ConcurrencyConflict):
            await sold.handle(late)  # its copy is stale: the write is refused
        await sold.handle(late)  # what the runner does next: read again, write
        project = await services.projects.get(group)
        assert project.sales_cents == {AT.date().isoformat()[:7]: 16_025}
        assert project.version == stored.version + 1 and len(project.programmes) == 3
    finally:
        await client.drop_database(db.name)
        await client.close()

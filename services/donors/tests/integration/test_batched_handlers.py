"""Donors takes a run of events with one write per project or fund history, against the real
store (write commands counted by a command listener): a group's members enrolling cost its
project one write, a fund's instalments paid its history one; the run redelivered writes
nothing, and the outcome is the one the same events give one at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from donors.bootstrap import build_services
from donors.config import Settings
from donors.service_layer.container import Services
from donors.service_layer.event_handlers import DonorEventHandlers
from megp_common.clock import SettableClock
from megp_common.consumer import BatchHandler
from megp_common.contracts import enrollment as enr
from megp_common.contracts import funds as fnd
from megp_common.events import EventEnvelope, EventPayload, make_event
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter
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

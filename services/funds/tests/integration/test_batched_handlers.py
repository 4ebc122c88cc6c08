"""The funds handlers take a run of events with one read and one write per fund, against the
real store: a group's period closing (one event per member) costs the fund one commit, and each
obligation it announces names its own event as cause."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import orjson

from funds.adapters.journal import Journal, JournalCopier, ObligationArchive
from funds.adapters.month_ends import MonthEnds
from funds.adapters.participants import ParticipantDirectory
from funds.adapters.reconciliations import ReconciliationRepository
from funds.adapters.repositories import FundRepository, SpendingRequestRepository
from funds.domain.policy import FundPolicy
from funds.service_layer import event_handlers
from funds.service_layer.container import Services
from megp_common.clock import SettableClock
from megp_common.consumer import BatchHandler
from megp_common.contracts import enrollment
from megp_common.events import make_event
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter, make_client, outbox_entries
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import counting_client
from megp_common.web import IdempotencyStore

AT = datetime(2031, 2, 1, 12, tzinfo=UTC)


def _closing(group_id: str, pid: str) -> Any:
    result = enrollment.MemberPeriodResult(
        result_id=f"r-{new_id()}",
        plan_id="plan",
        participant_id=pid,
        period_start=date(2031, 1, 1),
        period_end=date(2031, 1, 31),
        income="2000",
        baseline="1000",
        incremental_income="1000",
        deposit_due="100",
        odf_share="250",
    )
    payload = enrollment.BusinessPeriodClosed(
        group_id=group_id, odf_id="odf", state_code="09", result=result, closed_at=AT
    )
    return make_event(payload, source="/megp/enrollment", key=group_id, time=AT), payload


def _services(db: Any) -> Services:
    clock = SettableClock()
    outbox = OutboxWriter(service="funds", topic="funds.events", clock=clock)
    journal, archive = Journal(db), ObligationArchive(db)
    return Services(
        funds=FundRepository(db, outbox, FundPolicy()),
        journal=journal,
        copier=JournalCopier(db, journal, 1.0, archive),
        participants=ParticipantDirectory(db),
        idempotency=IdempotencyStore(db["idempotency"], clock),
        clock=clock,
        policy=FundPolicy(),
        archive=archive,
        spending=SpendingRequestRepository(db, outbox),
        reconciliations=ReconciliationRepository(db),
        month_ends=MonthEnds(db),
    )


async def test_a_run_of_closings_is_one_commit_and_each_event_keeps_its_cause(
    infra: Infra,
) -> None:
    client = make_client(infra.mongo)
    db = client[f"funds_batch_{new_id()[-12:]}"]
    services = _services(db)
    funds = services.funds
    try:
        handler = event_handlers.build(services)["enrollment.BusinessPeriodClosed"]
        assert isinstance(handler, BatchHandler)
        group = f"g-{new_id()}"
        run = [_closing(group, f"p-{i}") for i in range(12)]
        await handler.handle(run)
        fund = await funds.get(group)
        assert fund.version == 1 and len(fund.obligations) == 12  # created by one commit
        await handler.handle(run)  # redelivered: nothing changes
        assert (await funds.get(group)).version == 1
        doc = await db["funds"].find_one({"_id": group})
        bodies = [orjson.loads(e["body"]) for e in outbox_entries(doc)]
        cause = {p.result.result_id: env.id for env, p in run}
        assert len(bodies) == 12
        assert all(len(b["data"]["obligations"]) == 1 for b in bodies)  # one per member's event
        assert all(
            b["causationid"] == cause[b["data"]["obligations"][0]["obligation_id"]] for b in bodies
        )
    finally:
        await client.drop_database(db.name)
        await client.close()


def _enrolled(i: int, state: str = "09", born: date = date(1960, 5, 4)) -> Any:
    payload = enrollment.ParticipantEnrolled(
        participant_id=f"p-{i}",
        curp="GODE561231MDFRRL09",
        given_names="Elena",
        first_surname="Gómez",
        birth_date=born,
        gender="female",
        state_code=state,
        state_name="Ciudad de México",
        municipality="Coyoacán",
        functions=["production"],
        member_type="micro_producer",
        programmes=["women"],
        disabled=False,
        indigenous=False,
        inventor=False,
        group_id=None,
        enrolled_at=AT,
    )
    return make_event(payload, source="/megp/enrollment", key=f"p-{i}", time=AT), payload


async def test_a_run_of_enrolments_is_one_write_of_the_birth_dates(infra: Infra) -> None:
    client, counted = counting_client(infra.mongo)
    db = client[f"funds_people_{new_id()[-12:]}"]
    try:
        services = _services(db)
        directory = services.participants
        handler = event_handlers.build(services)["enrollment.ParticipantEnrolled"]
        assert isinstance(handler, BatchHandler)
        # a sheet's people; the last event says p-2 again, in another state: it wins
        run = [_enrolled(i, born=date(1950 + i, 1, 2)) for i in range(6)]
        run.append(_enrolled(2, state="14", born=date(1952, 1, 2)))
        await handler.handle(run)
        assert counted.taken() == {"participants": 1}
        assert await directory.birth_date("p-4") == date(1954, 1, 2)
        doc = await db["participants"].find_one({"_id": "p-2"})
        assert doc is not None and doc["state_code"] == "14"
        await handler.handle(run)  # redelivered: the same values again
        assert await db["participants"].count_documents({}) == 6
        assert await directory.birth_date("p-0") == date(1950, 1, 2)
        # members withdrawing at once look their birth dates up together: asked in the same
        # moment, one query, each given their own (or None: unknown); one by one it was six
        counted.reads_taken()
        asked = ["p-1", "p-3", "p-nobody", "p-5", "p-2", "p-1"]
        born = await asyncio.gather(*(directory.birth_date(p) for p in asked))
        assert born == [
            date(1951, 1, 2), date(1953, 1, 2), None, date(1955, 1, 2), date(1952, 1, 2),
            date(1951, 1, 2),
        ]  # fmt: skip
        assert counted.reads_taken() == {"participants": 1}
    finally:
        await client.drop_database(db.name)
        await client.close()

"""A group's plan book against the real store: kept by the writers of plans, it answers a sale
with one small read (no plan and no group read), and a writer that stopped between its writes
leaves marks that make readers take those members' terms from their plans, until a reader
folds them into the book."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from enrollment.domain.business_plan import BusinessPlan
from enrollment.domain.group import DevelopmentOrganization, ProjectGroup
from enrollment.domain.terms import ProgrammeTerms
from enrollment.service_layer import plan_books
from enrollment.service_layer.container import Services
from enrollment.service_layer.event_handlers import build
from megp_common.clock import SettableClock
from megp_common.consumer import BatchHandler
from megp_common.contracts import trade
from megp_common.events import make_event
from megp_common.ids import new_id
from megp_common.mongo import Document, OutboxWriter
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import StoreWrites

AT = datetime(2027, 3, 20, 12, tzinfo=UTC)
STATE = "09"


class BookUpdates(monitoring.CommandListener):
    """The filters of the updates of plan books."""

    def __init__(self) -> None:
        self.filters: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "update" and event.command.get("update") == "plan_books":
            self.filters.extend(dict(u["q"]) for u in event.command["updates"])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def _services(db: AsyncDatabase[Document], group_id: str) -> Services:
    clock = SettableClock()
    clock.set(AT)
    outbox = OutboxWriter(service="enrollment", topic="enrollment.events", clock=clock)
    services = Services.build(db, outbox, clock, ProgrammeTerms())
    group = ProjectGroup(
        id=group_id,
        project_id=f"project-{group_id}",
        name="Tamales de la Sierra",
        state=STATE,
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


def _plan(services: Services, group_id: str, participant_id: str) -> BusinessPlan:
    return BusinessPlan.agree(
        group_id=group_id,
        odf_id=f"odf-{group_id}",
        participant_id=participant_id,
        state=STATE,
        baseline_income=Decimal("4000.00"),
        target_increase=Decimal("600.00"),
        period_months=1,
        start_date=date(2027, 1, 1),
        agreed_by="staff",
        terms=services.terms,
        now=AT,
    )


async def _agree(services: Services, group_id: str, participants: list[str]) -> None:
    """What a plan sheet writes: the marks, the plans in one bulk insert, the terms."""
    plans = [_plan(services, group_id, p) for p in participants]
    async with plan_books.changing(
        services, group_id, STATE, f"odf-{group_id}", participants
    ) as committed:
        assert await services.plans.add_many(plans) == []
        committed.extend(p.terms() for p in plans)


def _sale(group_id: str, producer: str) -> tuple[Any, Any]:
    payload = trade.SaleCompleted(
        order_id=f"order-{new_id()}",
        producer_id=producer,
        group_id=group_id,
        odf_id=f"odf-{group_id}",
        state_code=STATE,
        channel="marketplace",
        amount=Decimal("200.00"),
        producer_part=Decimal("100.00"),
        channel_fee=Decimal("50.00"),
        logistics=Decimal("50.00"),
        completed_on=date(2027, 3, 18),
    )
    return make_event(payload, source="/megp/trade", key=group_id, time=AT), payload


async def test_a_sheet_keeps_the_book_and_a_sale_reads_only_the_book(infra: Infra) -> None:
    updates, writes = BookUpdates(), StoreWrites()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        infra.mongo, tz_aware=True, uuidRepresentation="standard", event_listeners=[updates, writes]
    )
    db = client[f"enrollment_books_{new_id()[-12:]}"]
    try:
        group = f"g-{new_id()}"
        services = await _services(db, group)
        members = [f"p-{i}" for i in range(20)]
        writes.taken()
        await _agree(services, group, members)
        # the marks (the book's first write), the plans, the terms
        assert writes.taken() == {"plan_books": 2, "business_plans": 1}
        # a commit names the book's shard key, {state, _id} (docs/architecture.md)
        assert [sorted(q) for q in updates.filters] == [["_id", "state", "version"]]
        assert updates.filters[0]["state"] == STATE
        [book] = await services.plan_books.find_many({})
        assert sorted(book.terms) == sorted(members) and book.marks == {}
        assert book.terms["p-3"].baseline_income == Decimal("4000.00")

        handler = build(services)["trade.SaleCompleted"]
        assert isinstance(handler, BatchHandler)
        writes.reads_taken()
        await handler.handle([_sale(group, "p-3"), _sale(group, "p-4")])
        taken = writes.reads_taken()
        assert "business_plans" not in taken and "groups" not in taken
        assert taken["plan_books"] == 1  # one `_id` read per run, whatever its sales
        [period] = await services.periods.find_many({})
        assert sorted(period.lines) == ["p-3", "p-4"]
        assert period.lines["p-3"].plan_id == book.terms["p-3"].id
    finally:
        await client.drop_database(db.name)
        await client.close()


async def test_a_writer_that_stopped_half_way_is_healed_from_the_plans(infra: Infra) -> None:
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        infra.mongo, tz_aware=True, uuidRepresentation="standard"
    )
    db = client[f"enrollment_books_{new_id()[-12:]}"]
    try:
        group = f"g-{new_id()}"
        services = await _services(db, group)
        await _agree(services, group, ["p-1", "p-2"])
        # a writer marks p-3 and commits its plan, then stops before it writes the terms
        [book] = await services.plan_books.find_many({})
        book.mark(["p-3"], "stopped", datetime.now(UTC))
        await services.plan_books.save(book)
        await services.plans.add(_plan(services, group, "p-3"))

        terms = await plan_books.group_terms(services, group, STATE, f"odf-{group}")
        assert sorted(terms) == ["p-1", "p-2", "p-3"]
        [stored] = await services.plan_books.find_many({})
        assert list(stored.marks) == ["p-3"]  # a fresh mark: its writer may be running still

        stored.marks["p-3"][0].at -= plan_books.STALE_AFTER + timedelta(seconds=1)
        await services.plan_books.save(stored)
        terms = await plan_books.group_terms(services, group, STATE, f"odf-{group}")
        assert sorted(terms) == ["p-1", "p-2", "p-3"]
        [repaired] = await services.plan_books.find_many({})
        assert repaired.marks == {} and sorted(repaired.terms) == ["p-1", "p-2", "p-3"]
    finally:
        await client.drop_database(db.name)
        await client.close()


async def test_a_writer_that_failed_leaves_no_mark(infra: Infra) -> None:
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        infra.mongo, tz_aware=True, uuidRepresentation="standard"
    )
    db = client[f"enrollment_books_{new_id()[-12:]}"]
    try:
        group = f"g-{new_id()}"
        services = await _services(db, group)
        await _agree(services, group, ["p-1"])
        try:
            async with plan_books.changing(services, group, STATE, f"odf-{group}", ["p-2"]):
                await services.plans.add(_plan(services, group, "p-2"))
                raise RuntimeError("stopped after the plan's commit")
        except RuntimeError:
            pass
        [book] = await services.plan_books.find_many({})
        assert book.marks == {} and sorted(book.terms) == ["p-1", "p-2"]
    finally:
        await client.drop_database(db.name)
        await client.close()

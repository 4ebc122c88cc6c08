"""The webhooks consumer queues a run of events' deliveries together, against the real store
(write commands counted by a command listener): a fund's six instalments paid cost one write to
the delivery log and one to the queues, not two per event; the run redelivered queues nothing
more, in the same order."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from megp_common.clock import SettableClock
from megp_common.consumer import BatchHandler
from megp_common.contracts import funds as fnd
from megp_common.events import EventEnvelope, EventPayload, make_event
from megp_common.ids import new_id
from megp_common.mongo import Document
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import counting_client
from webhooks.bootstrap import build_services
from webhooks.config import Settings
from webhooks.domain.subscription import Subscription
from webhooks.service_layer.event_handlers import handlers

AT = datetime(2027, 5, 15, 9, tzinfo=UTC)


def _event(payload: EventPayload, key: str) -> tuple[EventEnvelope, Any]:
    return make_event(payload, source="/megp/funds", key=key, time=AT), payload


def _repaid(fund_id: str, i: int) -> tuple[EventEnvelope, Any]:
    return _event(
        fnd.FundRepaymentMade(
            fund_id=fund_id,
            group_id=fund_id,
            state_code="09",
            entry_id=f"instalment:loan-{i}:1",
            loan_id=f"loan-{i}",
            installment_number=1,
            borrower_kind="participant",
            borrower_id=f"p-{i}",
            amount=Decimal("310.00"),
            principal=Decimal("300.00"),
            interest=Decimal("10.00"),
            paid_from=fnd.SubFundSplit(development=Decimal("310.00"), competition=Decimal(0)),
            borrower_owes=Decimal("310.00"),
            paid_at=AT,
        ),
        fund_id,
    )


async def _queued(db: AsyncDatabase[Document]) -> list[str]:
    """The events queued, in the queue's order (an entry's id is subscription:event)."""
    return [d["_id"].split(":", 1)[1] for d in await db["queue"].find({}).sort("seq").to_list()]


async def test_a_run_of_a_funds_events_is_queued_in_two_writes(infra: Infra) -> None:
    client, writes = counting_client(infra.mongo)
    db = client[f"webhooks_batch_{new_id()[-12:]}"]
    try:
        services = build_services(Settings(), SettableClock(), db)
        fund = f"g-{new_id()}"
        await services.subscriptions.add(
            Subscription(
                id=f"sub-{new_id()}",
                bank="Banorte",
                url="https://hooks.example.mx/megp",
                event_types=["funds.FundOpened", "funds.FundRepaymentMade"],
                secret="whsec_" + "a" * 32,
                created_at=AT,
            )
        )
        table = handlers(services)
        opened = fnd.FundOpened(
            fund_id=fund,
            group_id=fund,
            state_code="09",
            odf_id="odf-1",
            trust_bank="Banorte",
            member_participant_ids=["p-0"],
            opened_at=AT,
            initial_period_ends_on=date(2027, 8, 15),
            individual_withdrawals_from=date(2030, 5, 15),
        )
        await table["funds.FundOpened"](*_event(opened, fund))  # the bank holds the fund
        writes.taken()

        run = [_repaid(fund, i) for i in range(6)]
        handler = table["funds.FundRepaymentMade"]
        assert isinstance(handler, BatchHandler)
        await handler.handle(run)
        assert writes.taken() == {"deliveries": 1, "queue": 1}
        queued = await _queued(db)
        assert queued[1:] == [env.id for env, _ in run]  # after the fund's opening, in order

        await handler.handle(run)  # redelivered: nothing more queued
        assert await _queued(db) == queued and await db["deliveries"].count_documents({}) == 7
    finally:
        await client.drop_database(db.name)
        await client.close()

"""Credit takes a run of funds' and enrollment's events with one write per aggregate, against
the real store (write commands counted by a command listener): a group's instalments paid by
its fund cost one write to the group's book and one to each loan, a group's members joining one
write to its record; the run redelivered writes nothing, and the outcome is the one the same
events give one at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from credit.adapters.month_ends import PortfolioMonthEnds
from credit.adapters.repositories import (
    FinancingRepository,
    FundRepaymentsRepository,
    GroupRepository,
    LeaseRepository,
    LineRepository,
    LoanRepository,
    SalesRepository,
)
from credit.config import Settings
from credit.domain.loan import InstalmentStatus, Loan, LoanStatus
from credit.service_layer.container import Services
from credit.service_layer.event_handlers import handlers
from megp_common.clock import SettableClock
from megp_common.consumer import BatchHandler
from megp_common.contracts import enrollment as enr
from megp_common.contracts import funds as fnd
from megp_common.events import EventEnvelope, make_event
from megp_common.ids import new_id
from megp_common.mongo import Document, OutboxWriter
from megp_common.testing.infra import Infra
from megp_common.testing.store_writes import counting_client
from megp_common.web import IdempotencyStore

BOARD = frozenset({"rep-1"})


def _services(db: AsyncDatabase[Document]) -> Services:
    clock = SettableClock()
    clock.set(datetime(2027, 6, 1, 12, tzinfo=UTC))
    outbox = OutboxWriter(service="credit", topic="credit.events", clock=clock)
    return Services(
        settings=Settings(),
        clock=clock,
        loans=LoanRepository(db, outbox),
        lines=LineRepository(db, outbox),
        leases=LeaseRepository(db, outbox),
        groups=GroupRepository(db, outbox),
        idempotency=IdempotencyStore(db["idempotency"], clock),
        fund_repayments=FundRepaymentsRepository(db, outbox),
        financing=FinancingRepository(db, outbox),
        sales=SalesRepository(db),
        month_ends=PortfolioMonthEnds(db),
    )


def _loan(loan_id: str, group_id: str, borrower: str) -> Loan:
    loan = Loan.apply(
        id=loan_id,
        group_id=group_id,
        state="09",
        line_id=f"line-{group_id}",
        borrower_kind="participant",
        borrower_id=borrower,
        amount=Decimal("9000.00"),
        purpose="working capital",
        term_months=3,
        lender="NAFIN",
        applied_on=date(2027, 1, 10),
    )
    loan.approve_by_board("rep-1", BOARD, date(2027, 1, 11))
    loan.approve_by_lender("NAFIN", date(2027, 1, 12))
    loan.disburse(date(2027, 1, 15), Decimal("0.12"), first_due=date(2027, 2, 15))
    loan.clear_pending()
    return loan


def _paid(loan: Loan, number: int) -> tuple[EventEnvelope, Any]:
    inst = next(i for i in loan.instalments if i.number == number)
    at = datetime.combine(inst.due_date, time(9), tzinfo=UTC)
    payload = fnd.FundRepaymentMade(
        fund_id=loan.group_id,
        group_id=loan.group_id,
        state_code="09",
        entry_id=f"instalment:{loan.id}:{number}",
        loan_id=loan.id,
        installment_number=number,
        borrower_kind=loan.borrower_kind,
        borrower_id=loan.borrower_id,
        amount=inst.principal + inst.interest,
        principal=inst.principal,
        interest=inst.interest,
        paid_from=fnd.SubFundSplit(development=inst.principal + inst.interest, competition="0"),
        borrower_owes=inst.principal + inst.interest,
        paid_at=at,
        lender="NAFIN",
    )
    return make_event(payload, source="/megp/funds", key=loan.group_id, time=at), payload


def _joined(group_id: str, participant_id: str, n: int) -> tuple[EventEnvelope, Any]:
    payload = enr.MemberJoinedGroup(
        group_id=group_id,
        participant_id=participant_id,
        joined_on=date(2027, 1, 5),
        business_reason="sells tamales",
        letter_of_commitment=[],
        active_members=n,
    )
    at = datetime(2027, 1, 5, tzinfo=UTC)
    return make_event(payload, source="/megp/enrollment", key=group_id, time=at), payload


def _batch(services: Services, event_type: str) -> BatchHandler:
    handler = handlers(services)[event_type]
    assert isinstance(handler, BatchHandler)
    return handler


async def test_a_run_of_a_groups_repayments_is_one_write_to_its_book_and_one_per_loan(
    infra: Infra,
) -> None:
    client, writes = counting_client(infra.mongo)
    batched_db, single_db = (client[f"credit_batch_{new_id()[-12:]}"] for _ in range(2))
    try:
        group = f"g-{new_id()}"
        loans = [_loan(f"loan-{i}-{new_id()}", group, f"p-{i}") for i in range(2)]
        run = [_paid(loan, n) for loan in loans for n in (1, 2, 3)]  # 6 events, 2 loans
        batched, single = _services(batched_db), _services(single_db)
        for services in (batched, single):
            for loan in loans:
                await services.loans.add(loan.model_copy(deep=True))
        writes.taken()

        handler = _batch(batched, "funds.FundRepaymentMade")
        await handler.handle(run)
        assert writes.taken() == {"fund_repayments": 1, "loans": 2}
        await handler.handle(run)  # redelivered: nothing written
        assert writes.taken() == {}

        one_by_one = _batch(single, "funds.FundRepaymentMade")
        for envelope, payload in run:  # what the runner does when a run fails
            await one_by_one(envelope, payload)
        assert writes.taken() == {"fund_repayments": 6, "loans": 6}

        for loan in loans:
            got, expected = await batched.loans.get(loan.id), await single.loans.get(loan.id)
            assert got.status is LoanStatus.REPAID
            assert all(i.status is InstalmentStatus.PAID for i in got.instalments)
            assert got.instalments == expected.instalments
            assert [e.payload for e in got.pending_events()] == []
        book = await batched.fund_repayments.get(group)
        assert book.items == (await single.fund_repayments.get(group)).items
        assert len(book.items) == 6
    finally:
        for db in (batched_db, single_db):
            await client.drop_database(db.name)
        await client.close()


async def test_a_run_of_a_groups_members_joining_is_one_write_to_its_record(
    infra: Infra,
) -> None:
    client, writes = counting_client(infra.mongo)
    db = client[f"credit_batch_{new_id()[-12:]}"]
    try:
        services, group = _services(db), f"g-{new_id()}"
        run = [_joined(group, f"p-{i}", i + 1) for i in range(8)]
        handler = _batch(services, "enrollment.MemberJoinedGroup")
        await handler.handle(run)
        assert writes.taken() == {"groups": 1}
        await handler.handle(run)
        assert writes.taken() == {}
        record = await services.groups.get(group)
        assert record.members == [f"p-{i}" for i in range(8)] and record.version == 1
    finally:
        await client.drop_database(db.name)
        await client.close()

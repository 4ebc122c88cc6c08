"""What credit does with other services' events. Each handler is idempotent: the event id is
recorded in the same write as its effect. Funds' news of instalments and replenishments, and
enrollment's of a group, are applied a run at a time, with one read and one write per book, loan
or group (`megp_common.handling`); credit has no writer of its own to hold: a loan or a book
written meanwhile by a request makes the versioned write fail, and the runner then hands the
run's events over one by one, each retried on its conflict."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from credit.domain.financing import (
    FeeAsked,
    FinancedMember,
    FinancingOrigin,
    FinancingRequest,
    FinancingStatus,
)
from credit.domain.line import CreditLine
from credit.domain.loan import Loan
from credit.domain.replenishment import FundPaidInstalment, FundRepayments
from credit.domain.sales import Sale
from credit.service_layer.container import Services
from megp_common.consumer import BatchHandler, Handler
from megp_common.contracts import funds as fnd
from megp_common.contracts import ip_counsel, trade
from megp_common.events import EventEnvelope
from megp_common.group_events import group_handlers
from megp_common.handling import Family, Planned, apply_once, apply_planned, batched
from megp_common.mongo import Shard


def fee_request_id(filing_id: str, deadline_id: str) -> str:
    """One loan request per IMPI fee deadline of a filing (ip-counsel asks once per deadline
    and source; a deadline's id is its filing's)."""
    return f"impi-fee-{filing_id}-{deadline_id}"


def _in_book(
    env: EventEnvelope, group_id: str, change: Callable[[FundRepayments], object]
) -> Planned[FundRepayments]:
    """An event's change to the group's book of what its fund paid; the first creates the book,
    keeping the group's state as the event tells it (its shard key)."""
    return Planned(
        group_id,
        change,
        create=lambda: FundRepayments(id=group_id, state=env.state),
        shard=Shard(env.state, group_id),
    )


def handlers(services: Services) -> dict[str, Handler]:
    return EventHandlers(services).table()


class EventHandlers:
    """One method per event credit consumes; `table` keys them by the contract's event type."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def table(self) -> dict[str, Any]:
        s = self.services
        # a borrower's replenishments and the board's notices share runs: one write per book,
        # then the books judged once
        books = Family(s.fund_repayments)
        return {
            **group_handlers(self.services.groups),  # the group record, as trade keeps it
            fnd.FundInitialPeriodClosed.event_type: self.initial_period_closed,
            # funds' news of a group's instalments comes in runs (one event per loan, per
            # borrower): each run is written with one write per book and per loan
            fnd.FundRepaymentMade.event_type: BatchHandler(self.repayments_made),
            fnd.FundRepaymentFailed.event_type: batched(s.loans, self.repayment_failed),
            fnd.ReplenishmentReceived.event_type: books.batched(
                self.replenished, after=self._judge_all
            ),
            fnd.NonFulfillmentNoticeIssued.event_type: books.batched(
                self.notice_issued, after=self._judge_all
            ),
            trade.PurchaseFinancingRequested.event_type: self.financing_requested,
            trade.SaleCompleted.event_type: self.sale_completed,
            ip_counsel.FeeFinancingRequested.event_type: self.fee_financing_requested,
        }

    async def fee_financing_requested(
        self, env: EventEnvelope, e: ip_counsel.FeeFinancingRequested
    ) -> None:
        """The inventors ask for an IMPI fee to be financed by a loan: the same pending request
        as a purchasing round's, on their group's line for its ODF, which completes it. Asked
        of the Competition Sub-Fund, it is funds' to decide, not credit's."""
        if e.source != "loan":
            return
        group = (
            None
            if e.group_id is None
            else await self.services.groups.find(e.group_id, Shard(env.state))
        )
        odf_id = None if group is None else group.odf_id
        refusal = None
        if e.group_id is None:
            refusal = "the filing's inventors are not a project group: there is no line to draw on"
        elif odf_id is None:
            refusal = f"credit knows no project group {e.group_id} (nor its ODF)"
        request_id = fee_request_id(e.filing_id, e.deadline_id)

        def nothing(_: FinancingRequest) -> None:
            pass  # a second copy of the event changes nothing

        def create() -> FinancingRequest:
            return FinancingRequest(
                id=request_id,
                origin=FinancingOrigin.IMPI_FEE,
                fee=FeeAsked(
                    filing_id=e.filing_id,
                    disclosure_id=e.disclosure_id,
                    deadline_id=e.deadline_id,
                    kind=e.kind,
                    due_on=e.due_on,
                ),
                group_id=e.group_id or e.requested_by,
                odf_id=odf_id or "",
                state=e.state_code if group is None or group.state is None else group.state,
                item=f"IMPI fee {e.kind}",
                amount=e.amount,
                currency=e.currency,
                requested_by=e.requested_by,
                requested_on=e.requested_on,
                status=FinancingStatus.PENDING if refusal is None else FinancingStatus.REFUSED,
                refusal=refusal,
            )

        shard = Shard(env.state, e.group_id or e.requested_by)
        await apply_once(
            self.services.financing, request_id, env.id, nothing, create=create, shard=shard
        )

    async def financing_requested(
        self, env: EventEnvelope, e: trade.PurchaseFinancingRequested
    ) -> None:
        """A purchasing round's deciding ODF asks for the unpaid shares to be financed: a
        pending request the ODF completes into a loan application (domain/financing.py)."""

        def nothing(_: FinancingRequest) -> None:
            pass  # a second copy of the event changes nothing

        def create() -> FinancingRequest:
            return FinancingRequest(
                id=e.financing_id,
                round_id=e.round_id,
                group_id=e.group_id,
                odf_id=e.odf_id,
                state=e.state_code,
                item=e.item,
                amount=e.amount,
                currency=e.currency,
                members=[
                    FinancedMember(
                        participant_id=m.participant_id,
                        member_odf_id=m.member_odf_id,
                        cost_share=m.cost_share,
                    )
                    for m in e.members
                ],
                requested_by=e.requested_by,
                requested_on=e.requested_at.date(),
            )

        shard = Shard(env.state, e.group_id)
        await apply_once(
            self.services.financing, e.financing_id, env.id, nothing, create=create, shard=shard
        )

    async def sale_completed(self, env: EventEnvelope, e: trade.SaleCompleted) -> None:
        """A member's sale, kept for their sales history (once per order and producer)."""
        sale = Sale(
            order_id=e.order_id,
            producer_id=e.producer_id,
            group_id=e.group_id,
            state=e.state_code,
            amount=e.amount,
            producer_part=e.producer_part,
            currency=e.currency,
            completed_on=e.completed_on,
        )
        await self.services.sales.record(sale, env.id)

    async def initial_period_closed(
        self, env: EventEnvelope, e: fnd.FundInitialPeriodClosed
    ) -> None:
        """Open the line at twice the first three months' deposits [¶79]."""
        if e.total_deposited <= 0:
            return
        if await self.services.lines.find(e.group_id, Shard(env.state)) is not None:
            return
        line = CreditLine.open(
            group_id=e.group_id,
            state=e.state_code,
            odf_id=e.odf_id,
            lender=self.services.settings.default_lender,
            initial_deposit=e.total_deposited,
            opened_on=e.period_end,
            terms=self.services.terms,
        )
        line.mark_applied(env.id)
        await self.services.lines.add(line)

    async def repayments_made(self, items: list[tuple[EventEnvelope, Any]]) -> None:
        """The trust paid these instalments [¶76], each settled on its `paid_at` whenever the
        news arrives; each borrower now owes it to the fund. A run of them (a group's loans
        falling due together) costs one write to the group's book and one to each loan, then
        the books are judged once (a replenishment may already cover them)."""
        s = self.services
        run = [(env, e) for env, e in items if isinstance(e, fnd.FundRepaymentMade)]
        today = s.today()
        await apply_planned(s.fund_repayments, [(env, self._owed(env, e)) for env, e in run])
        await apply_planned(s.loans, [(env, self._settled(env, e, today)) for env, e in run])
        await self._judge_all(sorted({e.group_id for _, e in run}))

    def _owed(self, env: EventEnvelope, e: fnd.FundRepaymentMade) -> Planned[FundRepayments]:
        def owed(book: FundRepayments) -> None:
            book.paid(e.loan_id, e.installment_number, e.borrower_id, e.amount, e.paid_at.date())

        return _in_book(env, e.group_id, owed)

    def _settled(self, env: EventEnvelope, e: fnd.FundRepaymentMade, today: date) -> Planned[Loan]:
        def settled(loan: Loan) -> None:
            # the payee funds names (the lender of record InstallmentDue named), else credit's
            loan.mark_paid(
                e.installment_number, "fund", e.paid_at.date(), recorded_on=today, payee=e.lender
            )

        return Planned(e.loan_id, settled, shard=Shard(env.state, e.group_id))

    def repayment_failed(self, env: EventEnvelope, e: fnd.FundRepaymentFailed) -> Planned[Loan]:
        return Planned(
            e.loan_id,
            lambda loan: loan.mark_overdue(e.installment_number, e.reason),
            shard=Shard(env.state, e.group_id),
        )

    def replenished(
        self, env: EventEnvelope, e: fnd.ReplenishmentReceived
    ) -> Planned[FundRepayments]:
        """The borrower paid the fund back: the oldest instalments it paid for them are covered."""
        on = e.received_at.date()

        def cover(book: FundRepayments) -> None:
            book.replenished(e.borrower_id, e.amount, e.still_owed, on)

        return _in_book(env, e.group_id, cover)

    def notice_issued(
        self, env: EventEnvelope, e: fnd.NonFulfillmentNoticeIssued
    ) -> Planned[FundRepayments]:
        """The board's notice of non-fulfillment [¶77]: what it found open was not replenished
        in time."""
        on = e.issued_at.date()
        return _in_book(env, e.group_id, lambda book: book.noticed(e.borrower_id, on))

    async def _judge_all(self, group_ids: list[str]) -> None:
        for group_id in group_ids:
            await self._judge_replenished(group_id)

    async def _judge_replenished(self, group_id: str) -> None:
        """Carry what the group's book decided to the loans, then note it carried. It reads the
        stored book, so a redelivery after a crash between the writes completes the work."""
        book = await self.services.fund_repayments.find(group_id)  # its key as just written
        if book is None or not book.to_carry():
            return
        shard = Shard(book.state, group_id)
        grace = self.services.settings.replenishment_grace_days
        by_loan: dict[str, list[FundPaidInstalment]] = {}
        for item in book.to_carry():
            by_loan.setdefault(item.loan_id, []).append(item)
        done: set[tuple[str, int]] = set()
        for loan_id, items in by_loan.items():
            loan = await self.services.loans.find(loan_id, shard)
            if loan is None:
                continue
            changed = False
            for item in items:
                if item.replenished_on is not None:
                    changed |= loan.mark_replenished(item.number, item.replenished_on, grace)
                elif item.noticed_on is not None:
                    changed |= loan.mark_not_replenished(item.number, item.noticed_on)
            if changed:
                await self.services.loans.save(loan)
            judged = {i.number for i in loan.instalments if i.borrower_on_time is not None}
            done |= {(loan_id, item.number) for item in items if item.number in judged}
        if done:
            book.carried(done)
            await self.services.fund_repayments.save(book)

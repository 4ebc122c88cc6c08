"""What the fund does with enrollment's and credit's events. Each handler applies its event to
one fund exactly once in effect (the event id is stored with the effect); a run of events that
change funds (of any of those kinds) is applied with one read and one write per fund, holding
the fund's line of the writer (FundWriter) so that requests to the same fund wait instead of
colliding. Events about a group may come before its formation; they are kept on a fund not
opened yet."""

from __future__ import annotations

from collections.abc import Callable

from funds.domain import deposits, opening, repayments
from funds.domain import spending_requests as fees
from funds.domain.errors import FundError
from funds.domain.fund import Fund, new_fund
from funds.service_layer import donor_events
from funds.service_layer.container import Services
from megp_common import handling
from megp_common.consumer import BatchHandler, Handler
from megp_common.contracts import credit, enrollment, ip_counsel
from megp_common.events import EventEnvelope
from megp_common.handling import apply_once
from megp_common.mongo import Shard

Planned = handling.Planned[Fund]  # the fund (group id) and the change to it
Plan = handling.Plan[Fund]


def _batched(services: Services, plans: dict[str, Plan]) -> dict[str, BatchHandler]:
    """Handlers, by event type, that apply a run of events of any of them to their funds with
    one read and one write per fund (a group's members joining, its period closing, its loans'
    instalments due), holding the funds' lines of the writer so that it goes in turn with their
    requests; each change runs in its own event's causal context, so what it records names its
    own cause. Once a run is written, its funds' journal entries are copied."""
    funds = handling.Family(services.funds, hold=services.writer.exclusive)

    def notify(fund_ids: list[str]) -> None:
        for group_id in fund_ids:
            services.copier.notify(group_id)  # their journal entries to copy

    return {
        kind: funds.batched(plan, create=new_fund, after=notify, refusals=(FundError,))
        for kind, plan in plans.items()
    }


def _guarded(envelope: EventEnvelope, change: Callable[[Fund], object]) -> Callable[[Fund], None]:
    return handling.guarded(envelope, change, (FundError,))


def _result(result: enrollment.MemberPeriodResult) -> deposits.PeriodResult:
    return deposits.PeriodResult(
        result_id=result.result_id,
        participant_id=result.participant_id,
        period_start=result.period_start,
        period_end=result.period_end,
        deposit_due=result.deposit_due,
    )


def build(services: Services) -> dict[str, Handler]:
    return EventHandlers(services).table()


class EventHandlers:
    """One method per event funds consumes: a plan (the fund and its change) for the events
    applied in runs, a coroutine for the others; `table` keys them by the contract's type."""

    def __init__(self, services: Services) -> None:
        self.services, self.policy = services, services.policy

    def table(self) -> dict[str, Handler]:
        batched: dict[str, Plan] = {
            enrollment.ProjectGroupFormed.event_type: self.group_formed,
            enrollment.BoardChanged.event_type: self.board_changed,
            enrollment.MemberJoinedGroup.event_type: self.joined,
            enrollment.MemberLeftGroup.event_type: self.left,
            enrollment.BusinessPeriodClosed.event_type: self.period_closed,
            enrollment.GroupPeriodClosed.event_type: self.group_period_closed,
            credit.InstallmentDue.event_type: self.instalment_due,
        }
        return {
            **_batched(self.services, batched),
            enrollment.ParticipantEnrolled.event_type: BatchHandler(self.enrolled),
            enrollment.ParticipantUpdated.event_type: BatchHandler(self.enrolled),
            enrollment.BusinessPeriodCorrected.event_type: self.corrected,
            enrollment.CommitteeMemberAdded.event_type: self.committee_changed,
            enrollment.CommitteeMemberRemoved.event_type: self.committee_changed,
            ip_counsel.FeeFinancingRequested.event_type: self.fee_financing_requested,
            **donor_events.build(self.services),  # donations, refunds, matching payments
        }

    async def fee_financing_requested(
        self, env: EventEnvelope, e: ip_counsel.FeeFinancingRequested
    ) -> None:
        """The inventors ask the Competition Sub-Fund to pay an IMPI fee: a spending request
        the group's board decides (domain/spending_requests.py), or a refused one with the
        reason. Asked of a loan, it is credit's. Nothing is posted to the fund here."""
        if e.source != "competition_fund":
            return
        fund = (
            None
            if e.group_id is None
            else await self.services.funds.find_view(e.group_id, Shard(env.state, e.group_id))
        )
        is_open = fund is not None and fund.is_open
        refusal = fees.refusal_for(e.purpose, e.currency, is_open, e.group_id)
        request_id = fees.request_id_for(e.filing_id, e.deadline_id)

        def nothing(_: fees.SpendingRequest) -> None:
            pass  # a second copy of the event (or the same request again) changes nothing

        def create() -> fees.SpendingRequest:
            return fees.SpendingRequest(
                id=request_id,
                fund_id=e.group_id or e.requested_by,
                state=fund.state if fund is not None and fund.state else e.state_code,
                filing_id=e.filing_id,
                disclosure_id=e.disclosure_id,
                deadline_id=e.deadline_id,
                kind=e.kind,
                asked_purpose=e.purpose,
                purpose=None if refusal else fees.purpose_for(e.purpose),
                amount=e.amount,
                currency=e.currency,
                due_on=e.due_on,
                requested_by=e.requested_by,
                requested_on=e.requested_on,
                status=fees.SpendingStatus.REFUSED if refusal else fees.SpendingStatus.PENDING,
                refusal=refusal,
            )

        shard = Shard(env.state, e.group_id or e.requested_by)
        await apply_once(
            self.services.spending, request_id, env.id, nothing, create=create, shard=shard
        )

    def group_formed(self, env: EventEnvelope, e: enrollment.ProjectGroupFormed) -> Planned:
        return Planned(
            e.group_id,
            lambda f: opening.open_fund(
                f,
                odf_id=e.odf_id,
                name=e.name,
                state=e.state_code,
                municipality=e.municipality,
                trust_bank=e.trust_bank,
                members=e.member_participant_ids,
                formed_at=e.formed_at,
                policy=self.policy,
            ),
        )

    def board_changed(self, env: EventEnvelope, e: enrollment.BoardChanged) -> Planned:
        return Planned(
            e.group_id, lambda f: opening.change_board(f, e.representative_participant_ids)
        )

    def joined(self, env: EventEnvelope, e: enrollment.MemberJoinedGroup) -> Planned:
        return Planned(e.group_id, lambda f: opening.member_joined(f, e.participant_id))

    def left(self, env: EventEnvelope, e: enrollment.MemberLeftGroup) -> Planned:
        return Planned(e.group_id, lambda f: opening.member_left(f, e.participant_id))

    def period_closed(self, env: EventEnvelope, e: enrollment.BusinessPeriodClosed) -> Planned:
        return Planned(
            e.group_id, lambda f: deposits.create_obligation(f, _result(e.result), self.policy)
        )

    def group_period_closed(self, env: EventEnvelope, e: enrollment.GroupPeriodClosed) -> Planned:
        def change(fund: Fund) -> None:
            deposits.create_obligations(fund, [_result(r) for r in e.results], self.policy)

        return Planned(e.group_id, change)

    def instalment_due(self, env: EventEnvelope, e: credit.InstallmentDue) -> Planned:
        due = repayments.Instalment(
            loan_id=e.loan_id,
            number=e.installment_number,
            borrower_kind=e.borrower_kind,
            borrower_id=e.borrower_id,
            due_on=e.due_date,
            principal=e.principal,
            interest=e.interest,
            lender=e.lender,
        )
        now = self.services.clock.now()
        return Planned(e.group_id, lambda f: repayments.instalment_due(f, due, now, self.policy))

    async def enrolled(
        self, items: list[tuple[EventEnvelope, enrollment.ParticipantEnrolled]]
    ) -> None:
        """A run of participant events (a registration sheet's people) in one bulk write."""
        await self.services.participants.remember_many(
            [(e.participant_id, e.birth_date, e.state_code) for _, e in items]
        )

    async def committee_changed(
        self,
        env: EventEnvelope,
        e: enrollment.CommitteeMemberAdded | enrollment.CommitteeMemberRemoved,
    ) -> None:
        """Who sits on a group's Support Committee (they never decide for it [¶55])."""
        participant, group_id = e.participant_id, e.group_id
        if e.kind != "support" or not participant or not group_id:
            return
        sits = isinstance(e, enrollment.CommitteeMemberAdded)
        change = _guarded(
            env, lambda f: opening.support_committee_changed(f, participant, sits=sits)
        )
        async with self.services.writer.exclusive([group_id]):  # in turn with the fund's requests
            await apply_once(
                self.services.funds,
                group_id,
                env.id,
                change,
                create=lambda: new_fund(group_id),
                shard=Shard(env.state, group_id),
            )

    async def corrected(self, env: EventEnvelope, e: enrollment.BusinessPeriodCorrected) -> None:
        # the replaced obligation may be settled already, and so in the archive
        archived = await self.services.archive.find(
            e.group_id, e.result.period_start, e.replaces_result_id
        )
        change = _guarded(
            env,
            lambda f: deposits.replace_obligation(
                f, e.replaces_result_id, _result(e.result), self.policy, archived
            ),
        )
        async with self.services.writer.exclusive([e.group_id]):
            applied = await apply_once(
                self.services.funds,
                e.group_id,
                env.id,
                change,
                create=lambda: new_fund(e.group_id),
                shard=Shard(env.state, e.group_id),
            )
        if applied:
            self.services.copier.notify(e.group_id)

"""What donors learns from enrollment's, funds' and trade's events. Each handler applies its
event to one aggregate once (the event id is stored with the effect, `apply_once`); those of a
group's project and of a fund's history take a run of events (a group's members enrolling, its
sales, a fund's instalments), of any of the types that write it, with one read and one write per
project or history (`megp_common.handling.Family`), a project this process committed last
written again without a read (`Recent`).

- enrollment: a group's public data (`Project`): name and activity, state and municipality,
  ODF, trust bank, members, participation by specific programme, period outcomes summed;
- funds: the fund opened; every movement of its sub-funds (`FundHistory`); a donation, pledge
  or refund booked, or refused (the donation, pledge or refund, then the receipt);
- trade: the day's exchange rates; sales through the marketplace per group and month; the
  channel trade opened for an association (its portal's orders go through it).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from donors.domain import history as h
from donors.domain.association import Association, Notice
from donors.domain.donation import Donation, RefundStatus, Status
from donors.domain.history import FundHistory, Movement
from donors.domain.impact import month_of, report_month
from donors.domain.project import PeriodOutcome, Project
from donors.domain.rates import RecordedRate, cents, rate_id
from donors.service_layer import matching, receipts
from donors.service_layer.container import Services
from megp_common.consumer import Handler
from megp_common.contracts import enrollment as enr
from megp_common.contracts import funds as fnd
from megp_common.contracts import trade as trd
from megp_common.events import EventEnvelope
from megp_common.handling import Family, Planned, Recent, apply_once

#: how many projects the consumer keeps as it last committed them, to write the next run of a
#: group's events without reading its project first (one a group is active in, a few KB each)
RECENT_PROJECTS = 256


def _c(amount: Decimal) -> int:
    return cents(amount)


class DonorEventHandlers:
    def __init__(self, services: Services) -> None:
        self.s = services
        # projects are written by this consumer only: a copy goes stale only when another
        # process of the service took the group's partition meanwhile (its write then fails
        # and the retry reads the store)
        self.recent_projects: Recent[Project] = Recent(RECENT_PROJECTS)

    def table(self) -> dict[str, Handler]:
        # a group's run (its members enrolling, its sales between trade's order events), of
        # any of the project's types: one write; a fund's (its loans falling due): one write
        projects = Family(self.s.projects, recent=self.recent_projects)
        histories = Family(self.s.histories)

        def project(plan: Any) -> Handler:
            return projects.batched(plan, create=lambda group_id: Project(id=group_id))

        def history(plan: Any) -> Handler:
            return histories.batched(plan, create=lambda fund_id: FundHistory(id=fund_id))

        table: dict[str, Any] = {
            enr.ProjectProposed.event_type: project(self.project_proposed),
            enr.ProjectGroupFormed.event_type: project(self.group_formed),
            enr.DevelopmentOrganizationRegistered.event_type: project(self.odf_registered),
            enr.MemberJoinedGroup.event_type: project(self.joined),
            enr.MemberLeftGroup.event_type: project(self.left),
            enr.ParticipantEnrolled.event_type: project(self.participant),
            enr.ParticipantUpdated.event_type: project(self.participant),
            enr.GroupPeriodClosed.event_type: project(self.period_closed),
            fnd.FundOpened.event_type: project(self.fund_opened),
            fnd.InflowRecorded.event_type: self.inflow,
            fnd.EntryReversed.event_type: self.reversed,
            fnd.DonorMovementRefused.event_type: self.refused,
            fnd.CompetitionSpendApproved.event_type: history(self.spent),
            fnd.DevelopmentWithdrawalMade.event_type: history(self.withdrawn),
            fnd.FundRepaymentMade.event_type: history(self.repaid_from_fund),
            fnd.ReplenishmentReceived.event_type: history(self.replenished),
            fnd.TemporaryContributionReturned.event_type: history(self.temporary_returned),
            fnd.NonFulfillmentNoticeIssued.event_type: history(self.notice),
            trd.ExchangeRateRecorded.event_type: self.rate,
            trd.SaleCompleted.event_type: project(self.sale),
            trd.ChannelRegistered.event_type: self.channel,
        }
        return table

    # -- projects (enrollment, trade) -------------------------------------------------------

    def _project(
        self, group_id: str, env: EventEnvelope, change: Callable[[Project], None]
    ) -> Planned[Project]:
        return Planned(group_id, change)

    def project_proposed(self, env: EventEnvelope, e: enr.ProjectProposed) -> Planned[Project]:
        def learn(p: Project) -> None:
            p.name = p.name or e.name
            p.activity = e.branch_of_activity or e.region or e.definition
            p.state, p.municipality = p.state or e.state_code, p.municipality or e.municipality

        return self._project(e.group_id, env, learn)

    def group_formed(self, env: EventEnvelope, e: enr.ProjectGroupFormed) -> Planned[Project]:
        def learn(p: Project) -> None:
            p.name, p.state, p.municipality = e.name, e.state_code, e.municipality
            p.odf_id, p.odf_name, p.trust_bank = e.odf_id, e.odf_legal_name, e.trust_bank
            p.formed = True
            for participant in e.member_participant_ids:
                p.join(participant)

        return self._project(e.group_id, env, learn)

    def odf_registered(
        self, env: EventEnvelope, e: enr.DevelopmentOrganizationRegistered
    ) -> Planned[Project]:
        def learn(p: Project) -> None:
            p.odf_id, p.odf_name, p.trust_bank = e.odf_id, e.legal_name, e.trust_bank
            p.state, p.municipality = p.state or e.state_code, p.municipality or e.municipality

        return self._project(e.group_id, env, learn)

    def joined(self, env: EventEnvelope, e: enr.MemberJoinedGroup) -> Planned[Project]:
        return self._project(e.group_id, env, lambda p: p.join(e.participant_id))

    def left(self, env: EventEnvelope, e: enr.MemberLeftGroup) -> Planned[Project]:
        return self._project(e.group_id, env, lambda p: p.leave(e.participant_id))

    def participant(
        self, env: EventEnvelope, e: enr.ParticipantEnrolled | enr.ParticipantUpdated
    ) -> Planned[Project] | None:
        """Only the participant's id and specific programmes are kept, for the counts."""
        if e.group_id is None:
            return None
        programmes = list(e.programmes)
        return self._project(e.group_id, env, lambda p: p.take_part(e.participant_id, programmes))

    def period_closed(self, env: EventEnvelope, e: enr.GroupPeriodClosed) -> Planned[Project]:
        outcome = PeriodOutcome(
            period_start=e.period_start,
            period_end=e.period_end,
            members_reporting=len(e.results),
            members_with_increase=sum(1 for r in e.results if r.incremental_income > 0),
            total_income_cents=_c(e.total_income),
            incremental_income_cents=sum(_c(r.incremental_income) for r in e.results),
        )
        return self._project(e.group_id, env, lambda p: p.closed(outcome))

    def sale(self, env: EventEnvelope, e: trd.SaleCompleted) -> Planned[Project]:
        amount = e.amount_mxn if e.amount_mxn is not None else e.amount
        month = month_of(e.completed_on)
        return self._project(e.group_id, env, lambda p: p.sold(month, _c(amount)))

    async def rate(self, env: EventEnvelope, e: trd.ExchangeRateRecorded) -> None:
        def learn(r: RecordedRate) -> None:
            r.currency, r.rate_date, r.rate = e.currency, e.rate_date, e.rate
            r.recorded_by, r.recorded_at = e.recorded_by, e.recorded_at

        key = rate_id(e.currency, e.rate_date)
        await apply_once(self.s.rates, key, env.id, learn, create=lambda: RecordedRate(id=key))

    async def channel(self, env: EventEnvelope, e: trd.ChannelRegistered) -> None:
        """An association's channel in trade: kept on the association for its portal."""
        if e.kind != "association_abroad" or e.buyer_organization is None:
            return
        if await self.s.associations.find(e.buyer_organization) is None:
            return
        channel_id = e.channel_id
        await apply_once(
            self.s.associations,
            e.buyer_organization,
            env.id,
            lambda a: a.channel_opened(channel_id),
        )

    # -- the fund (funds) -------------------------------------------------------------------

    def fund_opened(self, env: EventEnvelope, e: fnd.FundOpened) -> Planned[Project]:
        def learn(p: Project) -> None:
            p.fund_open, p.trust_bank = True, e.trust_bank

        return self._project(e.group_id, env, learn)

    def _move(self, env: EventEnvelope, fund_id: str, movement: Movement) -> Planned[FundHistory]:
        return Planned(fund_id, lambda f: f.add(movement))

    async def _moved(self, env: EventEnvelope, fund_id: str, movement: Movement) -> None:
        """The movement, alone (its event does more than that, to other aggregates)."""
        await apply_once(
            self.s.histories,
            fund_id,
            env.id,
            lambda f: f.add(movement),
            create=lambda: FundHistory(id=fund_id),
        )

    async def inflow(self, env: EventEnvelope, e: fnd.InflowRecorded) -> None:
        split = e.split
        await self._moved(
            env,
            e.fund_id,
            Movement(
                entry_id=e.entry_id,
                on=e.recorded_at.date(),
                kind=h.INFLOW,
                development=_c(split.development),
                competition=_c(split.competition),
                inflow_kind=e.inflow_kind,
                donation_id=e.donation_id,
                pledge_id=e.pledge_id,
            ),
        )
        if e.donation_id is not None:
            await self._booked(env, e.donation_id, e)
        if e.pledge_id is not None:
            await self._pledge_booked(env, e.pledge_id, e.entry_id)

    async def _booked(self, env: EventEnvelope, donation_id: str, e: fnd.InflowRecorded) -> None:
        now = self.s.now()
        found = await self.s.donations.find(donation_id)
        if found is None:
            return  # not a donation of this service's store (another environment's)
        club = await self.s.associations.find(found.association_id)
        reported_in = report_month(e.recorded_at, club.reported_through if club else None)

        def book(d: Donation) -> None:
            d.booked(
                e.entry_id, e.split.development, e.split.competition, e.recorded_at, reported_in
            )

        await apply_once(self.s.donations, donation_id, env.id, book)
        donation = await self.s.donations.get(donation_id)
        if donation.status is Status.BOOKED:
            await receipts.issue(self.s, donation, now)

    async def _pledge_booked(self, env: EventEnvelope, pledge_id: str, entry_id: str) -> None:
        if await self.s.pledges.find(pledge_id) is None:
            return

        def book(p: Any) -> None:
            p.entry_id = entry_id

        await apply_once(self.s.pledges, pledge_id, env.id, book)

    async def reversed(self, env: EventEnvelope, e: fnd.EntryReversed) -> None:
        await self._moved(
            env,
            e.fund_id,
            Movement(
                entry_id=e.entry_id,
                on=e.reversed_at.date(),
                kind=h.REVERSAL,
                development=-_c(e.split.development),
                competition=-_c(e.split.competition),
                donation_id=e.donation_id,
            ),
        )
        if e.donation_id is None or e.refund_id is None:
            return
        if await self.s.donations.find(e.donation_id) is None:
            return
        refund_id, entry_id, at = e.refund_id, e.entry_id, e.reversed_at
        await apply_once(
            self.s.donations,
            e.donation_id,
            env.id,
            lambda d: d.refund_booked(refund_id, entry_id, at),
        )

    async def refused(self, env: EventEnvelope, e: fnd.DonorMovementRefused) -> None:
        now = self.s.now()
        if e.movement == "pledge":
            if await self.s.pledges.find(e.reference_id) is None:
                return

            def note(p: Any) -> None:
                p.booking_refusal = e.reason

            await apply_once(self.s.pledges, e.reference_id, env.id, note)
            return
        found = await self.s.donations.find(e.donation_id)
        if found is None:
            return
        if e.movement == "donation":
            await apply_once(self.s.donations, found.id, env.id, lambda d: d.not_booked(e.reason))
            await matching.cancel_open_pledges(self.s, found.id, now)
            text = f"the fund could not book donation {found.portal_donation_id}: {e.reason}"
        else:
            await apply_once(
                self.s.donations,
                found.id,
                env.id,
                lambda d: d.refund_refused(e.reference_id, e.reason, e.refused_at),
            )
            text = (
                f"the fund did not book the refund of donation {found.portal_donation_id}: "
                f"{e.reason}"
            )
        notice = Notice(
            id=f"refused:{e.reference_id}",
            kind=f"{e.movement}_refused",
            at=e.refused_at,
            text=text,
            donation_id=found.id,
        )
        await tell(self.s, found.association_id, env.id, notice)

    def spent(self, env: EventEnvelope, e: fnd.CompetitionSpendApproved) -> Planned[FundHistory]:
        movement = Movement(
            entry_id=e.entry_id,
            on=env.time.date(),
            kind=h.COMPETITION_SPEND,
            development=0,
            competition=-_c(e.amount),
            purpose=e.purpose,
        )
        return self._move(env, e.fund_id, movement)

    def withdrawn(
        self, env: EventEnvelope, e: fnd.DevelopmentWithdrawalMade
    ) -> Planned[FundHistory]:
        movement = Movement(
            entry_id=e.entry_id,
            on=env.time.date(),
            kind=h.WITHDRAWAL,
            development=-_c(e.amount),
            competition=0,
            purpose=e.purpose,
        )
        return self._move(env, e.fund_id, movement)

    def repaid_from_fund(
        self, env: EventEnvelope, e: fnd.FundRepaymentMade
    ) -> Planned[FundHistory]:
        movement = Movement(
            entry_id=e.entry_id,
            on=e.paid_at.date(),
            kind=h.REPAYMENT,
            development=-_c(e.paid_from.development),
            competition=-_c(e.paid_from.competition),
        )
        return self._move(env, e.fund_id, movement)

    def replenished(self, env: EventEnvelope, e: fnd.ReplenishmentReceived) -> Planned[FundHistory]:
        movement = Movement(
            entry_id=e.entry_id,
            on=e.received_at.date(),
            kind=h.REPLENISHMENT,
            development=_c(e.restored_to.development),
            competition=_c(e.restored_to.competition),
        )
        return self._move(env, e.fund_id, movement)

    def temporary_returned(
        self, env: EventEnvelope, e: fnd.TemporaryContributionReturned
    ) -> Planned[FundHistory]:
        movement = Movement(
            entry_id=e.entry_id,
            on=e.returned_at.date(),
            kind=h.TEMPORARY_RETURN,
            development=-_c(e.split.development),
            competition=-_c(e.split.competition),
        )
        return self._move(env, e.fund_id, movement)

    def notice(self, env: EventEnvelope, e: fnd.NonFulfillmentNoticeIssued) -> Planned[FundHistory]:
        return Planned(e.fund_id, lambda f: f.notice(e.notice_id))


async def tell(services: Services, association_id: str, cause: str, notice: Notice) -> None:
    """Tell an association something (kept with it, read at /associations/{id}/notices)."""
    if await services.associations.find(association_id) is None:
        return

    def add(a: Association) -> None:
        a.tell(notice)

    await apply_once(services.associations, association_id, f"{cause}:{notice.id}", add)


def handlers(services: Services) -> dict[str, Handler]:
    return DonorEventHandlers(services).table()


__all__ = ["RefundStatus", "handlers", "tell"]

"""What credit does with other services' events. Each handler is idempotent: the event id is
recorded in the same write as its effect."""

from __future__ import annotations

from typing import Any

from credit.domain.line import CreditLine, GroupRecord
from credit.service_layer.container import Credit
from megp_common.consumer import Handler
from megp_common.contracts import enrollment as enr
from megp_common.contracts import funds as fnd
from megp_common.events import EventEnvelope
from megp_common.handling import apply_once


def handlers(credit: Credit) -> dict[str, Handler]:
    async def group_formed(env: EventEnvelope, e: enr.ProjectGroupFormed) -> None:
        def learn(g: GroupRecord) -> None:
            g.state, g.odf_id = e.state_code, e.odf_id
            for participant_id in e.member_participant_ids:
                g.set_member(participant_id, active=True)

        await apply_once(
            credit.groups, e.group_id, env.id, learn, create=lambda: GroupRecord(id=e.group_id)
        )

    async def board_changed(env: EventEnvelope, e: enr.BoardChanged) -> None:
        def seat(g: GroupRecord) -> None:
            g.board, g.odf_id = list(e.representative_participant_ids), e.odf_id

        await apply_once(
            credit.groups, e.group_id, env.id, seat, create=lambda: GroupRecord(id=e.group_id)
        )

    async def member_joined(env: EventEnvelope, e: enr.MemberJoinedGroup) -> None:
        await apply_once(
            credit.groups,
            e.group_id,
            env.id,
            lambda g: g.set_member(e.participant_id, active=True),
            create=lambda: GroupRecord(id=e.group_id),
        )

    async def member_left(env: EventEnvelope, e: enr.MemberLeftGroup) -> None:
        await apply_once(
            credit.groups,
            e.group_id,
            env.id,
            lambda g: g.set_member(e.participant_id, active=False),
            create=lambda: GroupRecord(id=e.group_id),
        )

    async def committee_changed(
        env: EventEnvelope, e: enr.CommitteeMemberAdded | enr.CommitteeMemberRemoved
    ) -> None:
        participant, group_id = e.participant_id, e.group_id
        if e.kind != "support" or not participant or not group_id:
            return
        sits = isinstance(e, enr.CommitteeMemberAdded)
        await apply_once(
            credit.groups,
            group_id,
            env.id,
            lambda g: g.set_on_support_committee(participant, sits=sits),
            create=lambda: GroupRecord(id=group_id),
        )

    async def initial_period_closed(env: EventEnvelope, e: fnd.FundInitialPeriodClosed) -> None:
        """Open the line at twice the first three months' deposits [¶79]."""
        if e.total_deposited <= 0 or await credit.lines.find(e.group_id) is not None:
            return
        line = CreditLine.open(
            group_id=e.group_id,
            state=e.state_code,
            odf_id=e.odf_id,
            lender=credit.settings.default_lender,
            initial_deposit=e.total_deposited,
            opened_on=e.period_end,
            terms=credit.terms,
        )
        line.mark_applied(env.id)
        await credit.lines.add(line)

    async def repayment_made(env: EventEnvelope, e: fnd.FundRepaymentMade) -> None:
        await apply_once(
            credit.loans,
            e.loan_id,
            env.id,
            lambda loan: loan.mark_paid(e.installment_number, "fund", e.paid_at.date()) and None,
        )

    async def repayment_failed(env: EventEnvelope, e: fnd.FundRepaymentFailed) -> None:
        await apply_once(
            credit.loans,
            e.loan_id,
            env.id,
            lambda loan: loan.mark_overdue(e.installment_number, e.reason) and None,
        )

    table: dict[str, Any] = {
        enr.ProjectGroupFormed.event_type: group_formed,
        enr.BoardChanged.event_type: board_changed,
        enr.MemberJoinedGroup.event_type: member_joined,
        enr.MemberLeftGroup.event_type: member_left,
        enr.CommitteeMemberAdded.event_type: committee_changed,
        enr.CommitteeMemberRemoved.event_type: committee_changed,
        fnd.FundInitialPeriodClosed.event_type: initial_period_closed,
        fnd.FundRepaymentMade.event_type: repayment_made,
        fnd.FundRepaymentFailed.event_type: repayment_failed,
    }
    return table

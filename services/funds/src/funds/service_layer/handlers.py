"""What the fund does with enrollment's and credit's events. Each handler applies its event to
one fund exactly once in effect (`apply_once`: the event id is stored with the effect). Events
about a group may come before its formation; they are kept on a fund not opened yet."""

from __future__ import annotations

from collections.abc import Callable

from funds.domain import deposits, opening, repayments
from funds.domain.errors import FundError
from funds.domain.fund import Fund, new_fund
from funds.service_layer.container import Services
from megp_common.consumer import Handler, PermanentError
from megp_common.contracts import credit, enrollment
from megp_common.events import EventEnvelope
from megp_common.handling import apply_once


async def _apply(
    services: Services, group_id: str, envelope: EventEnvelope, change: Callable[[Fund], object]
) -> None:
    def guarded(fund: Fund) -> None:
        try:
            change(fund)
        except FundError as exc:  # bad data: no retry can help
            raise PermanentError(exc.detail) from exc

    applied = await apply_once(
        services.funds, group_id, envelope.id, guarded, create=lambda: new_fund(group_id)
    )
    if applied:
        services.copier.notify(group_id)


def _result(result: enrollment.MemberPeriodResult) -> deposits.PeriodResult:
    return deposits.PeriodResult(
        result_id=result.result_id,
        participant_id=result.participant_id,
        period_start=result.period_start,
        period_end=result.period_end,
        deposit_due=result.deposit_due,
    )


def build(services: Services) -> dict[str, Handler]:
    policy = services.policy

    async def group_formed(env: EventEnvelope, e: enrollment.ProjectGroupFormed) -> None:
        await _apply(
            services,
            e.group_id,
            env,
            lambda f: opening.open_fund(
                f,
                odf_id=e.odf_id,
                name=e.name,
                state=e.state_code,
                municipality=e.municipality,
                trust_bank=e.trust_bank,
                members=e.member_participant_ids,
                formed_at=e.formed_at,
                policy=policy,
            ),
        )

    async def board_changed(env: EventEnvelope, e: enrollment.BoardChanged) -> None:
        await _apply(
            services,
            e.group_id,
            env,
            lambda f: opening.change_board(f, e.representative_participant_ids),
        )

    async def joined(env: EventEnvelope, e: enrollment.MemberJoinedGroup) -> None:
        await _apply(
            services, e.group_id, env, lambda f: opening.member_joined(f, e.participant_id)
        )

    async def left(env: EventEnvelope, e: enrollment.MemberLeftGroup) -> None:
        await _apply(services, e.group_id, env, lambda f: opening.member_left(f, e.participant_id))

    async def enrolled(env: EventEnvelope, e: enrollment.ParticipantEnrolled) -> None:
        await services.participants.remember(e.participant_id, e.birth_date, e.state_code)

    async def period_closed(env: EventEnvelope, e: enrollment.BusinessPeriodClosed) -> None:
        await _apply(
            services,
            e.group_id,
            env,
            lambda f: deposits.create_obligation(f, _result(e.result), policy),
        )

    async def group_period_closed(env: EventEnvelope, e: enrollment.GroupPeriodClosed) -> None:
        def change(fund: Fund) -> None:
            for result in e.results:
                deposits.create_obligation(fund, _result(result), policy)

        await _apply(services, e.group_id, env, change)

    async def corrected(env: EventEnvelope, e: enrollment.BusinessPeriodCorrected) -> None:
        # the replaced obligation may be settled already, and so in the archive
        archived = await services.archive.find(
            e.group_id, e.result.period_start, e.replaces_result_id
        )
        await _apply(
            services,
            e.group_id,
            env,
            lambda f: deposits.replace_obligation(
                f, e.replaces_result_id, _result(e.result), policy, archived
            ),
        )

    async def instalment_due(env: EventEnvelope, e: credit.InstallmentDue) -> None:
        due = repayments.Instalment(
            loan_id=e.loan_id,
            number=e.installment_number,
            borrower_kind=e.borrower_kind,
            borrower_id=e.borrower_id,
            due_on=e.due_date,
            principal=e.principal,
            interest=e.interest,
        )
        now = services.clock.now()
        await _apply(
            services, e.group_id, env, lambda f: repayments.instalment_due(f, due, now, policy)
        )

    return {
        "enrollment.ProjectGroupFormed": group_formed,
        "enrollment.BoardChanged": board_changed,
        "enrollment.MemberJoinedGroup": joined,
        "enrollment.MemberLeftGroup": left,
        "enrollment.ParticipantEnrolled": enrolled,
        "enrollment.ParticipantUpdated": enrolled,
        "enrollment.BusinessPeriodClosed": period_closed,
        "enrollment.GroupPeriodClosed": group_period_closed,
        "enrollment.BusinessPeriodCorrected": corrected,
        "credit.InstallmentDue": instalment_due,
    }

"""Business plans and their periods: income, closing, corrections and whole-group sheets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from enrollment.domain.actor import Actor
from enrollment.domain.business_plan import BusinessPlan, plan_id_for
from enrollment.domain.errors import (
    DomainRefusal,
    InvalidData,
    Missing,
    RuleViolation,
    SheetRejected,
    StateConflict,
)
from enrollment.domain.group import ProjectGroup
from enrollment.domain.group_period import GroupPeriod, MemberResult
from enrollment.domain.period_sheet import members_due
from enrollment.domain.periods import Period, require_first_of_month
from enrollment.service_layer import plan_books
from enrollment.service_layer.container import Services, retrying, scoped, sheet_group
from megp_common import decisions
from megp_common.errors import Conflict
from megp_common.mongo import ConcurrencyConflict, Shard
from megp_common.web import check_if_match


async def agree(
    services: Services,
    actor: Actor,
    group_id: str,
    participant_id: str,
    *,
    baseline_income: Decimal,
    target_increase: Decimal,
    period_months: int | None,
    start_date: date,
) -> BusinessPlan:
    decisions.staff_acting_for_group(actor.roles)
    group = await services.groups.get(group_id, scoped(actor))
    actor.check_state(group.state)
    odf = group.require_odf()
    if not group.is_active_member(participant_id):
        raise RuleViolation(
            "business plans are agreed with active members of the group",
            rule="¶62",
            participant_id=participant_id,
        )
    plan = BusinessPlan.agree(
        group_id=group_id,
        odf_id=odf.odf_id,
        participant_id=participant_id,
        state=group.state,
        baseline_income=baseline_income,
        target_increase=target_increase,
        period_months=period_months or services.default_period_months,
        start_date=start_date,
        agreed_by=actor.subject,
        terms=services.terms,
        now=services.now(),
    )
    async with plan_books.changing(
        services, group_id, group.state, odf.odf_id, [participant_id]
    ) as committed:
        try:
            await services.plans.add(plan)
        except Conflict:
            raise StateConflict(
                "the member already agreed a business plan with this group; revise it instead",
                plan_id=plan.id,
            ) from None
        committed.append(plan.terms())
    return plan


@dataclass(frozen=True)
class PlanLine:
    participant_id: str
    baseline_income: Decimal
    target_increase: Decimal
    period_months: int | None
    start_date: date


async def agree_many(
    services: Services, actor: Actor, group_id: str, lines: list[PlanLine], sheet: str
) -> list[BusinessPlan]:
    """The ODF agrees the plans of many members at once (a new group's first month): every
    line is checked before anything is written, and a sheet with any problem is refused whole,
    listing each line's problem. The group is read once for the sheet, not once per member.
    `sheet` names the sheet (from its Idempotency-Key): a line whose member already has the
    plan this same sheet agreed (its first attempt, cut short or still running elsewhere) is
    that plan, not a problem."""
    decisions.staff_acting_for_group(actor.roles)
    group = await sheet_group(services, actor, group_id, lines, what="plan sheet", field="plans")
    odf = group.require_odf()
    agreed = await services.plans.of_group(group_id, group.state)
    now = services.now()
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    new: list[BusinessPlan] = []
    kept: dict[str, BusinessPlan] = {}  # lines a first attempt of this sheet wrote already
    for line in lines:
        pid = line.participant_id
        problem: str | None = None
        period = line.period_months or services.default_period_months
        if pid in seen:
            problem = "appears twice; one line per member"
        elif not group.is_active_member(pid):
            problem = "is not an active member of the group [¶62]"
        elif pid in agreed and _same_plan(agreed[pid], line, period, sheet):
            kept[pid] = agreed[pid]  # agreed by this sheet's first attempt
            seen.add(pid)
            continue
        elif pid in agreed:
            problem = "already agreed a business plan with this group; revise it instead"
        seen.add(pid)
        if problem is None:
            try:
                new.append(
                    BusinessPlan.agree(
                        group_id=group_id,
                        odf_id=odf.odf_id,
                        participant_id=pid,
                        state=group.state,
                        baseline_income=line.baseline_income,
                        target_increase=line.target_increase,
                        period_months=period,
                        start_date=line.start_date,
                        agreed_by=actor.subject,
                        terms=services.terms,
                        now=now,
                        sheet=sheet,
                    )
                )
            except DomainRefusal as exc:
                problem = exc.detail
        if problem is not None:
            problems.append({"participant_id": pid, "problem": problem})
    if problems:
        raise SheetRejected("the plan sheet was refused as a whole; no plan was agreed", problems)
    # every plan with its event in one bulk write; any agreed by another request since the
    # check above is handed back
    raced: list[dict[str, Any]] = []
    if new:  # marked in the group's plan book first (service_layer/plan_books.py)
        pids = [plan.participant_id for plan in new]
        async with plan_books.changing(
            services, group_id, group.state, odf.odf_id, pids
        ) as committed:
            refused = {plan.id for plan in await services.plans.add_many(new)}
            committed.extend(plan.terms() for plan in new if plan.id not in refused)
        raced = [
            {"participant_id": plan.participant_id, "problem": "agreed meanwhile"}
            for plan in new
            if plan.id in refused
        ]
    if raced:
        raise SheetRejected(
            "some members agreed a plan while this sheet was being written; the other plans "
            "stand (send the sheet again without these lines, or with the same Idempotency-Key)",
            raced,
        )
    written = {p.participant_id: p for p in new} | kept
    return [written[line.participant_id] for line in lines]


def _same_plan(plan: BusinessPlan, line: PlanLine, period: int, sheet: str) -> bool:
    """Whether a plan already agreed is the one this line of this sheet would agree."""
    return (
        plan.sheet == sheet
        and plan.revision == 1
        and plan.baseline_income == line.baseline_income
        and plan.target_increase == line.target_increase
        and plan.period_months == period
        and plan.start_date == line.start_date
    )


async def revise(
    services: Services,
    actor: Actor,
    group_id: str,
    participant_id: str,
    if_match: str | None,
    *,
    baseline_income: Decimal | None,
    target_increase: Decimal | None,
) -> BusinessPlan:
    decisions.staff_acting_for_group(actor.roles)
    plan = await plan_of(services, actor, group_id, participant_id)
    check_if_match(if_match, plan.version)
    if plan.revise(
        baseline_income=baseline_income,
        target_increase=target_increase,
        agreed_by=actor.subject,
        now=services.now(),
    ):
        async with plan_books.changing(
            services, group_id, plan.state, plan.odf_id, [participant_id]
        ) as committed:
            await services.plans.save(plan)
            committed.append(plan.terms())
    return plan


async def plan_of(
    services: Services, actor: Actor, group_id: str, participant_id: str
) -> BusinessPlan:
    plan = await services.plans.find(plan_id_for(group_id, participant_id), scoped(actor, group_id))
    if plan is None:
        raise Missing(f"participant {participant_id} has no business plan with group {group_id}")
    actor.check_state(plan.state)
    return plan


async def _period_doc(services: Services, group: ProjectGroup, period: Period) -> GroupPeriod:
    fresh = GroupPeriod.begin(group.id, group.require_odf().odf_id, group.state, period)
    return await services.periods.find(fresh.id, Shard(group.state, group.id)) or fresh


async def _commit(services: Services, period: GroupPeriod) -> None:
    if period.version == 0:
        try:
            await services.periods.add(period)
        except Conflict as exc:  # begun concurrently: retry against the stored one
            raise ConcurrencyConflict(str(exc)) from exc
    else:
        await services.periods.save(period)


async def record_income(
    services: Services,
    actor: Actor,
    group_id: str,
    participant_id: str,
    period_start: date,
    income: Decimal,
) -> GroupPeriod:
    plan = await plan_of(services, actor, group_id, participant_id)
    group = await services.groups.get(group_id, Shard(plan.state))

    async def attempt() -> GroupPeriod:
        period = await _period_doc(services, group, plan.period(period_start))
        period.record_income(plan, income, services.now())
        await _commit(services, period)
        return period

    return await retrying(attempt)


async def close_member(
    services: Services, actor: Actor, group_id: str, participant_id: str, period_start: date
) -> MemberResult:
    plan = await plan_of(services, actor, group_id, participant_id)
    group = await services.groups.get(group_id, Shard(plan.state))

    async def attempt() -> MemberResult:
        period = await _period_doc(services, group, plan.period(period_start))
        result = period.close_member(plan, services.terms, services.now())
        await _commit(services, period)
        return result

    return await retrying(attempt)


async def correct(
    services: Services,
    actor: Actor,
    group_id: str,
    participant_id: str,
    period_start: date,
    income: Decimal,
    reason: str,
    correction_id: str | None,
) -> MemberResult:
    plan = await plan_of(services, actor, group_id, participant_id)
    group = await services.groups.get(group_id, Shard(plan.state))

    async def attempt() -> MemberResult:
        period = await _period_doc(services, group, plan.period(period_start))
        result = period.correct_member(
            plan, income, reason, services.terms, services.now(), correction_id
        )
        await _commit(services, period)
        return result

    return await retrying(attempt)


async def close_group_period(
    services: Services,
    actor: Actor,
    group_id: str,
    period_start: date,
    months: int | None,
    sheet: Mapping[str, Decimal],
) -> GroupPeriod:
    """Accept the group's sheet and close the period in one write, or refuse it whole."""
    group = await services.groups.get(group_id, scoped(actor))
    actor.check_state(group.state)
    group.require_odf()
    months = months or services.default_period_months
    if months not in services.terms.period_lengths_months:
        raise InvalidData(f"periods of {months} months are not in use", field="months")
    odf_id = group.require_odf().odf_id
    of_group = await plan_books.group_terms(services, group_id, group.state, odf_id)
    plans = {p: terms for p, terms in of_group.items() if p in group.members}
    period = Period(require_first_of_month(period_start, "period start"), months)
    due = members_due(plans, group.was_member_on, period)

    async def attempt() -> GroupPeriod:
        doc = await _period_doc(services, group, period)
        doc.close_group(sheet, due, services.terms, services.now())
        await _commit(services, doc)
        return doc

    return await retrying(attempt)


async def group_period(
    services: Services, actor: Actor, group_id: str, period_start: date, months: int | None
) -> GroupPeriod:
    group = await services.groups.get(group_id, scoped(actor))
    actor.check_state(group.state)
    period = Period(period_start, months or services.default_period_months)
    wanted = GroupPeriod.begin(group_id, "", group.state, period).id
    found = await services.periods.find(wanted, Shard(group.state, group_id))
    if found is None:
        raise Missing(
            f"nothing was recorded for group {group_id} in the period starting "
            f"{period_start.isoformat()}"
        )
    return found

"""A member's business plan, agreed with the group's Development Organization [¶62-¶63]."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from enrollment.domain.errors import InvalidData
from enrollment.domain.periods import (
    Period,
    money,
    period_containing,
    period_of_plan,
    require_first_of_month,
)
from enrollment.domain.terms import ProgrammeTerms
from megp_common.aggregate import Aggregate
from megp_common.contracts.enrollment import BusinessPlanAgreed
from megp_common.ids import deterministic_id


def plan_id_for(group_id: str, participant_id: str) -> str:
    """One plan per member of a group; a revision changes it, it is never replaced."""
    return deterministic_id("business-plan", group_id, participant_id)


class PlanTerms(Protocol):
    """What a group period needs of a member's plan: which plan, whose, the baseline its
    results are measured from, and the run of periods it sets."""

    @property
    def id(self) -> str: ...
    @property
    def participant_id(self) -> str: ...
    @property
    def baseline_income(self) -> Decimal: ...
    @property
    def period_months(self) -> int: ...
    @property
    def start_date(self) -> date: ...
    def period(self, period_start: date) -> Period: ...
    def period_containing(self, day: date) -> Period | None: ...


class AgreedTerms(BaseModel):
    """A plan's terms as its latest revision agreed them (kept for every member of a group in
    its PlanBook): what a closing or a sale needs, without the rest of the plan."""

    model_config = ConfigDict(frozen=True)

    id: str
    participant_id: str
    revision: int
    baseline_income: Decimal
    target_increase: Decimal
    period_months: int
    start_date: date

    def period(self, period_start: date) -> Period:
        return period_of_plan(self.start_date, self.period_months, period_start)

    def period_containing(self, day: date) -> Period | None:
        return period_containing(self.start_date, self.period_months, day)


class BusinessPlan(Aggregate):
    group_id: str
    odf_id: str
    participant_id: str
    state: str
    baseline_income: Decimal
    target_increase: Decimal
    period_months: int
    start_date: date
    revision: int = 1
    agreed_at: datetime
    agreed_by: str
    #: the plan sheet that agreed it (a digest of its Idempotency-Key), so that a retry of the
    #: same sheet knows the plans its first attempt wrote as its own; None for one plan alone
    sheet: str | None = None

    def partition_key(self) -> str:
        return self.group_id

    def state_code(self) -> str:
        return self.state

    @classmethod
    def agree(
        cls,
        *,
        group_id: str,
        odf_id: str,
        participant_id: str,
        state: str,
        baseline_income: Decimal,
        target_increase: Decimal,
        period_months: int,
        start_date: date,
        agreed_by: str,
        terms: ProgrammeTerms,
        now: datetime,
        sheet: str | None = None,
    ) -> BusinessPlan:
        if period_months not in terms.period_lengths_months:
            allowed = ", ".join(str(m) for m in sorted(terms.period_lengths_months))
            raise InvalidData(f"a period lasts one of {allowed} months", field="period_months")
        plan = cls(
            id=plan_id_for(group_id, participant_id),
            group_id=group_id,
            odf_id=odf_id,
            participant_id=participant_id,
            state=state,
            baseline_income=money(baseline_income, "baseline_income"),
            target_increase=cls._target(target_increase),
            period_months=period_months,
            start_date=require_first_of_month(start_date, "start date"),
            agreed_at=now,
            agreed_by=agreed_by,
            sheet=sheet,
        )
        plan._announce(now)
        return plan

    def revise(
        self,
        *,
        baseline_income: Decimal | None,
        target_increase: Decimal | None,
        agreed_by: str,
        now: datetime,
    ) -> bool:
        """New figures for the periods still to close; closed ones keep theirs."""
        baseline = (
            money(baseline_income, "baseline_income")
            if baseline_income is not None
            else self.baseline_income
        )
        target = (
            self._target(target_increase) if target_increase is not None else self.target_increase
        )
        if (baseline, target) == (self.baseline_income, self.target_increase):
            return False
        self.baseline_income, self.target_increase = baseline, target
        self.revision += 1
        self.agreed_at, self.agreed_by = now, agreed_by
        self._announce(now)
        return True

    def period(self, period_start: date) -> Period:
        return period_of_plan(self.start_date, self.period_months, period_start)

    def period_containing(self, day: date) -> Period | None:
        """The plan's period that contains `day`; None before the plan began."""
        return period_containing(self.start_date, self.period_months, day)

    def terms(self) -> AgreedTerms:
        return AgreedTerms(
            id=self.id,
            participant_id=self.participant_id,
            revision=self.revision,
            baseline_income=self.baseline_income,
            target_increase=self.target_increase,
            period_months=self.period_months,
            start_date=self.start_date,
        )

    @property
    def target_income(self) -> Decimal:
        return self.baseline_income + self.target_increase

    @staticmethod
    def _target(value: Decimal) -> Decimal:
        amount = money(value, "target_increase")
        if amount <= 0:
            raise InvalidData(
                "the plan targets an increase of income (more than zero) [¶62]",
                field="target_increase",
            )
        return amount

    def _announce(self, now: datetime) -> None:
        self.record(
            BusinessPlanAgreed(
                plan_id=self.id,
                group_id=self.group_id,
                odf_id=self.odf_id,
                participant_id=self.participant_id,
                revision=self.revision,
                baseline_income=self.baseline_income,
                target_increase=self.target_increase,
                period_months=self.period_months,
                start_date=self.start_date,
                agreed_at=now,
            )
        )

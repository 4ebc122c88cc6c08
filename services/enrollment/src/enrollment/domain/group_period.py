"""One period of one group: every member's income and closed result in one document, so a whole
sheet is accepted or refused at once and a group's period closes in a single write."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel

from enrollment.domain.business_plan import PlanTerms
from enrollment.domain.errors import InvalidData, RuleViolation, SheetRejected, StateConflict
from enrollment.domain.period_sheet import sheet_problems
from enrollment.domain.periods import Period, money, outcome
from enrollment.domain.terms import ProgrammeTerms
from megp_common.aggregate import Aggregate
from megp_common.contracts import enrollment as ev
from megp_common.ids import deterministic_id


def group_period_id(group_id: str, period: Period) -> str:
    return deterministic_id("group-period", group_id, period.start.isoformat(), str(period.months))


class IncomeSource(StrEnum):
    SALE = "sale"  # trade's SaleCompleted: `order_id` is the order
    ROYALTY = "royalty"  # ip-counsel's RoyaltyReceived: `order_id` is "royalty:<payment id>"


class Sale(BaseModel):
    """Income counted from another service's event: a completed sale (trade's SaleCompleted)
    or a royalty received by an inventor (ip-counsel's RoyaltyReceived). `sale_id` is the
    event's id; `producer_part` is what the member earns, MXN."""

    sale_id: str
    order_id: str
    participant_id: str
    producer_part: Decimal
    completed_on: date
    counted_at: datetime
    source: IncomeSource = IncomeSource.SALE


class SaleReturn(BaseModel):
    """Shipped units that came back after their sale was counted (trade's SaleReturned):
    negative revenue, `producer_part` taken from the producer's income, MXN."""

    sale_id: str  # the SaleReturned event's id
    return_id: str
    order_id: str
    participant_id: str
    producer_part: Decimal
    returned_on: date
    counted_at: datetime


class SaleOutcome(StrEnum):
    COUNTED = "counted"  # in the member's open period: it is part of the period's income
    LATE = "late"  # the member's period was closed: kept and reported, the result unchanged
    UNPLANNED = "unplanned"  # no plan in the group covers it: the group period's revenue
    DUPLICATE = "duplicate"  # this sale (or this order's sale for this producer) was counted


class MemberResult(BaseModel):
    result_id: str
    plan_id: str
    participant_id: str
    income: Decimal
    #: at a closing, income = income_typed + sales - returns; a correction states the whole
    #: income (None)
    income_typed: Decimal | None = None
    sales: Decimal | None = None
    returns: Decimal | None = None
    baseline: Decimal
    incremental_income: Decimal
    deposit_due: Decimal
    odf_share: Decimal
    closed_at: datetime
    replaces: str | None = None
    reason: str | None = None


class MemberLine(BaseModel):
    participant_id: str
    plan_id: str
    income: Decimal | None = None
    income_recorded_at: datetime | None = None
    result: MemberResult | None = None
    corrections: list[MemberResult] = []
    #: sales counted in the period's income, then those that came after the line closed
    sales: list[Sale] = []
    late_sales: list[Sale] = []
    #: returns taken from the period's income, then those that came after the line closed
    returns: list[SaleReturn] = []
    late_returns: list[SaleReturn] = []

    @property
    def current(self) -> MemberResult | None:
        return self.corrections[-1] if self.corrections else self.result

    @property
    def sales_total(self) -> Decimal:
        return sum((s.producer_part for s in self.sales), Decimal("0.00"))

    @property
    def returns_total(self) -> Decimal:
        return sum((r.producer_part for r in self.returns), Decimal("0.00"))

    @property
    def total_income(self) -> Decimal | None:
        """The income a closing uses: the typed income plus the sales counted less the returns
        (None until the income is typed: the sheet or the income route states the other income,
        zero or more)."""
        if self.income is None:
            return None
        return self.income + self.sales_total - self.returns_total


class GroupPeriod(Aggregate):
    group_id: str
    odf_id: str
    state: str
    period_start: date
    period_months: int
    lines: dict[str, MemberLine] = {}
    #: sales of producers without a plan in the group covering the sale's day
    unplanned_sales: list[Sale] = []
    unplanned_returns: list[SaleReturn] = []
    closed_at: datetime | None = None

    def partition_key(self) -> str:
        return self.group_id

    def state_code(self) -> str:
        return self.state

    @classmethod
    def begin(cls, group_id: str, odf_id: str, state: str, period: Period) -> GroupPeriod:
        return cls(
            id=group_period_id(group_id, period),
            group_id=group_id,
            odf_id=odf_id,
            state=state,
            period_start=period.start,
            period_months=period.months,
        )

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_months)

    def record_income(self, plan: PlanTerms, income: Decimal, now: datetime) -> None:
        """The period's income so far (replaces an earlier figure while the period is open)."""
        line = self._open_line(plan)
        if self.period.start > now.date():
            raise RuleViolation(
                "income is recorded for a period that has begun",
                rule="¶62",
                period_start=self.period_start.isoformat(),
            )
        line.income, line.income_recorded_at = money(income, "income"), now

    def count_sale(
        self,
        plan: PlanTerms | None,
        *,
        sale_id: str,
        order_id: str,
        participant_id: str,
        producer_part: Decimal,
        completed_on: date,
        now: datetime,
        source: IncomeSource = IncomeSource.SALE,
    ) -> SaleOutcome:
        """Count a completed sale once (by its id, and once per order for its producer). With the
        producer's plan, in this period of that plan: part of the open line's income, or kept as
        late when the line (or the group period) is closed. Without a plan: unplanned revenue."""
        if not self.period.start <= completed_on <= self.period.end:
            raise InvalidData(
                f"the sale of {completed_on.isoformat()} is outside this period",
                field="completed_on",
            )
        if plan is not None and plan.participant_id != participant_id:
            raise InvalidData("the plan is not the producer's", field="producer_id")
        if self._has_sale(sale_id, order_id, participant_id):
            return SaleOutcome.DUPLICATE
        sale = Sale(
            sale_id=sale_id,
            order_id=order_id,
            participant_id=participant_id,
            producer_part=money(producer_part, "producer_part"),
            completed_on=completed_on,
            counted_at=now,
            source=source,
        )
        if plan is None:
            self.unplanned_sales.append(sale)
            return SaleOutcome.UNPLANNED
        line = self._line(plan)
        if self.closed_at is not None or line.result is not None:
            line.late_sales.append(sale)
            return SaleOutcome.LATE
        line.sales.append(sale)
        return SaleOutcome.COUNTED

    def count_return(
        self,
        plan: PlanTerms | None,
        *,
        sale_id: str,
        return_id: str,
        order_id: str,
        participant_id: str,
        producer_part: Decimal,
        returned_on: date,
        now: datetime,
    ) -> SaleOutcome:
        """Take a return from the producer's income once (by the event's id, and by the
        return's): as a sale is counted, in the period containing the return's day; a closed
        line keeps it as late (the closed result never changes), no plan makes it unplanned."""
        if not self.period.start <= returned_on <= self.period.end:
            raise InvalidData(
                f"the return of {returned_on.isoformat()} is outside this period",
                field="returned_on",
            )
        if plan is not None and plan.participant_id != participant_id:
            raise InvalidData("the plan is not the producer's", field="producer_id")
        seen = [r for line in self.lines.values() for r in (*line.returns, *line.late_returns)]
        if any(
            r.sale_id == sale_id or r.return_id == return_id
            for r in (*seen, *self.unplanned_returns)
        ):
            return SaleOutcome.DUPLICATE
        back = SaleReturn(
            sale_id=sale_id,
            return_id=return_id,
            order_id=order_id,
            participant_id=participant_id,
            producer_part=money(producer_part, "producer_part"),
            returned_on=returned_on,
            counted_at=now,
        )
        if plan is None:
            self.unplanned_returns.append(back)
            return SaleOutcome.UNPLANNED
        line = self._line(plan)
        if self.closed_at is not None or line.result is not None:
            line.late_returns.append(back)
            return SaleOutcome.LATE
        line.returns.append(back)
        return SaleOutcome.COUNTED

    def _has_sale(self, sale_id: str, order_id: str, participant_id: str) -> bool:
        sales = [s for line in self.lines.values() for s in (*line.sales, *line.late_sales)]
        return any(
            s.sale_id == sale_id or (s.order_id, s.participant_id) == (order_id, participant_id)
            for s in (*sales, *self.unplanned_sales)
        )

    def close_member(
        self, plan: PlanTerms, terms: ProgrammeTerms, now: datetime, *, announce: bool = True
    ) -> MemberResult:
        """Close one member's line. `announce=False` (the whole-group sheet): the result is
        announced only in the sheet's GroupPeriodClosed, one event for the group, not one more
        per member."""
        line = self._open_line(plan)
        self._check_ended(now)
        if line.income is None:
            raise RuleViolation("record the period's income before closing it", rule="¶62")
        result = self._result(
            plan,
            line.income + line.sales_total - line.returns_total,
            terms,
            now,
            deterministic_id("period-result", self.id, plan.participant_id),
        )
        result.income_typed, result.sales = line.income, line.sales_total
        result.returns = line.returns_total
        line.result = result
        if not announce:
            return result
        self.record(
            ev.BusinessPeriodClosed(
                group_id=self.group_id,
                odf_id=self.odf_id,
                state_code=self.state,
                result=self._public(result),
                closed_at=now,
            )
        )
        return result

    def correct_member(
        self,
        plan: PlanTerms,
        income: Decimal,
        reason: str,
        terms: ProgrammeTerms,
        now: datetime,
        correction_id: str | None = None,
    ) -> MemberResult:
        """A closed result stays as it was; a new result, linked to it, replaces it. A repeated
        `correction_id` returns the correction already made instead of making another."""
        line = self.lines.get(plan.participant_id)
        previous = line.current if line else None
        if line is None or previous is None:
            raise StateConflict("only a closed period is corrected; close it first")
        done = next((c for c in line.corrections if c.result_id == correction_id), None)
        if done is not None:
            return done
        if not reason.strip():
            raise InvalidData("state the reason for the correction", field="reason")
        result_id = correction_id or deterministic_id("period-correction", previous.result_id)
        result = self._result(
            plan,
            money(income, "income"),
            terms,
            now,
            result_id,
            replaces=previous.result_id,
            reason=reason.strip(),
        )
        line.corrections.append(result)
        self.record(
            ev.BusinessPeriodCorrected(
                group_id=self.group_id,
                odf_id=self.odf_id,
                state_code=self.state,
                result=self._public(result),
                replaces_result_id=previous.result_id,
                deposit_due_delta=result.deposit_due - previous.deposit_due,
                odf_share_delta=result.odf_share - previous.odf_share,
                reason=result.reason or "",
                corrected_at=now,
            )
        )
        return result

    def close_group(
        self,
        sheet: Mapping[str, Decimal],
        due: Mapping[str, PlanTerms],
        terms: ProgrammeTerms,
        now: datetime,
    ) -> list[MemberResult]:
        """Accept the sheet (each due member's income) and close every open line, or refuse the
        whole sheet listing each problem. `due` holds the plans of the members who owe a result
        for this period."""
        if self.closed_at is not None:
            raise StateConflict(
                "this group period is already closed", closed_at=self.closed_at.isoformat()
            )
        self._check_ended(now)
        closed = {p for p, line in self.lines.items() if line.result is not None}
        recorded = {p for p, line in self.lines.items() if line.income is not None} | closed
        problems = sheet_problems(sheet, due, closed, recorded)
        if problems:
            raise SheetRejected(
                "the period sheet was refused as a whole; nothing was recorded", problems
            )
        for participant_id, plan in sorted(due.items()):
            line = self._line(plan)
            if line.result is not None:
                continue
            if participant_id in sheet:
                line.income, line.income_recorded_at = money(sheet[participant_id], "income"), now
            self.close_member(plan, terms, now, announce=False)
        self.closed_at = now
        results = [r for line in self.lines.values() if (r := line.current) is not None]
        results.sort(key=lambda r: r.participant_id)
        self.record(
            ev.GroupPeriodClosed(
                group_id=self.group_id,
                odf_id=self.odf_id,
                state_code=self.state,
                period_start=self.period.start,
                period_end=self.period.end,
                period_months=self.period_months,
                results=[self._public(r) for r in results],
                total_income=sum((r.income for r in results), Decimal("0.00")),
                total_deposit_due=sum((r.deposit_due for r in results), Decimal("0.00")),
                total_odf_share=sum((r.odf_share for r in results), Decimal("0.00")),
                closed_at=now,
            )
        )
        return results

    def _check_ended(self, now: datetime) -> None:
        if not self.period.ended_by(now.date()):
            raise RuleViolation(
                f"the period ends {self.period.end.isoformat()}; it closes after", rule="¶62"
            )

    def _line(self, plan: PlanTerms) -> MemberLine:
        plan.period(self.period_start)
        if plan.period_months != self.period_months:
            raise InvalidData(
                "the plan's periods are not this period's length", field="period_months"
            )
        return self.lines.setdefault(
            plan.participant_id, MemberLine(participant_id=plan.participant_id, plan_id=plan.id)
        )

    def _open_line(self, plan: PlanTerms) -> MemberLine:
        if self.closed_at is not None:
            raise StateConflict("the group period is closed; send a correction instead")
        line = self._line(plan)
        if line.result is not None:
            raise StateConflict("the member's period is closed; send a correction instead")
        return line

    def _result(
        self,
        plan: PlanTerms,
        income: Decimal,
        terms: ProgrammeTerms,
        now: datetime,
        result_id: str,
        **link: str,
    ) -> MemberResult:
        figures = outcome(
            income, plan.baseline_income, terms.fund_deposit_rate, terms.odf_share_rate
        )
        return MemberResult(
            result_id=result_id,
            plan_id=plan.id,
            participant_id=plan.participant_id,
            income=figures.income,
            baseline=figures.baseline,
            incremental_income=figures.incremental_income,
            deposit_due=figures.deposit_due,
            odf_share=figures.odf_share,
            closed_at=now,
            **link,
        )

    def _public(self, result: MemberResult) -> ev.MemberPeriodResult:
        return ev.MemberPeriodResult(
            result_id=result.result_id,
            plan_id=result.plan_id,
            participant_id=result.participant_id,
            period_start=self.period.start,
            period_end=self.period.end,
            income=result.income,
            baseline=result.baseline,
            incremental_income=result.incremental_income,
            deposit_due=result.deposit_due,
            odf_share=result.odf_share,
        )

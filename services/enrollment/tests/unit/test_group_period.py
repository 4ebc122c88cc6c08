from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from enrollment.domain.business_plan import BusinessPlan, plan_id_for
from enrollment.domain.errors import (
    InvalidData,
    RuleViolation,
    SheetRejected,
    StateConflict,
)
from enrollment.domain.group_period import GroupPeriod
from enrollment.domain.period_sheet import members_due
from enrollment.domain.periods import Period
from enrollment.domain.terms import ProgrammeTerms

from .conftest import NOW, recorded, types

MARCH = Period(date(2031, 3, 1), 1)
APRIL_2 = datetime(2031, 4, 2, tzinfo=UTC)


def plan(
    participant_id: str,
    terms: ProgrammeTerms,
    baseline: str = "1000.00",
    start: date = date(2031, 1, 1),
    months: int = 1,
) -> BusinessPlan:
    p = BusinessPlan.agree(
        group_id="g",
        odf_id="odf",
        participant_id=participant_id,
        state="20",
        baseline_income=Decimal(baseline),
        target_increase=Decimal("200"),
        period_months=months,
        start_date=start,
        agreed_by="staff",
        terms=terms,
        now=NOW,
    )
    p.clear_pending()
    return p


def sheet_period() -> GroupPeriod:
    return GroupPeriod.begin("g", "odf", "20", MARCH)


def test_a_plan_is_agreed_with_valid_figures(terms: ProgrammeTerms) -> None:
    p = BusinessPlan.agree(
        group_id="g",
        odf_id="o",
        participant_id="m",
        state="20",
        baseline_income=Decimal("5000"),
        target_increase=Decimal("750.5"),
        period_months=1,
        start_date=date(2031, 1, 1),
        agreed_by="s",
        terms=terms,
        now=NOW,
    )
    assert p.id == plan_id_for("g", "m") and p.target_income == Decimal("5750.50")
    assert recorded(p)[0].baseline_income == Decimal("5000.00")
    for kwargs in (
        {"period_months": 5},
        {"start_date": date(2031, 1, 2)},
        {"target_increase": Decimal("0")},
        {"baseline_income": Decimal("-1")},
    ):
        args = (
            dict(
                group_id="g",
                odf_id="o",
                participant_id="m",
                state="20",
                baseline_income=Decimal("5000"),
                target_increase=Decimal("1"),
                period_months=1,
                start_date=date(2031, 1, 1),
                agreed_by="s",
                terms=terms,
                now=NOW,
            )
            | kwargs
        )
        with pytest.raises(InvalidData):
            BusinessPlan.agree(**args)  # type: ignore[arg-type]


def test_a_revision_changes_figures_and_announces_it(terms: ProgrammeTerms) -> None:
    p = plan("m", terms)
    assert not p.revise(
        baseline_income=Decimal("1000"), target_increase=None, agreed_by="s", now=NOW
    )
    assert p.revise(baseline_income=Decimal("900"), target_increase=None, agreed_by="s", now=NOW)
    assert p.revision == 2 and recorded(p)[0].revision == 2


def test_income_then_close_states_what_is_owed(terms: ProgrammeTerms) -> None:
    doc, p = sheet_period(), plan("m1", terms)
    with pytest.raises(RuleViolation, match="begun"):
        doc.record_income(p, Decimal("1"), datetime(2031, 2, 27, tzinfo=UTC))
    doc.record_income(p, Decimal("1800.00"), NOW)
    with pytest.raises(RuleViolation, match="ends"):
        doc.close_member(p, terms, datetime(2031, 3, 31, 23, tzinfo=UTC))
    result = doc.close_member(p, terms, APRIL_2)
    assert (result.incremental_income, result.deposit_due, result.odf_share) == (
        Decimal("800.00"),
        Decimal("80.00"),
        Decimal("200.00"),
    )
    (event,) = recorded(doc)
    assert event.result.result_id == result.result_id and event.result.period_end == date(
        2031, 3, 31
    )
    assert doc.partition_key() == "g"
    with pytest.raises(StateConflict):
        doc.close_member(p, terms, APRIL_2)
    with pytest.raises(StateConflict):
        doc.record_income(p, Decimal("1"), APRIL_2)


def test_closing_needs_the_income_first(terms: ProgrammeTerms) -> None:
    with pytest.raises(RuleViolation, match="income"):
        sheet_period().close_member(plan("m1", terms), terms, APRIL_2)


def test_a_failed_plan_owes_nothing(terms: ProgrammeTerms) -> None:
    doc, p = sheet_period(), plan("m1", terms)
    doc.record_income(p, Decimal("700.00"), NOW)
    result = doc.close_member(p, terms, APRIL_2)
    assert result.incremental_income == Decimal("-300.00")
    assert result.deposit_due == result.odf_share == Decimal("0.00")


def test_a_correction_is_a_new_linked_result(terms: ProgrammeTerms) -> None:
    doc, p = sheet_period(), plan("m1", terms)
    with pytest.raises(StateConflict):
        doc.correct_member(p, Decimal("1"), "typo", terms, APRIL_2)
    doc.record_income(p, Decimal("1500.00"), NOW)
    first = doc.close_member(p, terms, APRIL_2)
    doc.clear_pending()
    fixed = doc.correct_member(p, Decimal("2000.00"), "sales were missing", terms, APRIL_2, "k1")
    assert fixed.replaces == first.result_id and fixed.result_id == "k1"
    assert doc.lines["m1"].result == first  # the closed result is untouched
    (event,) = recorded(doc)
    assert event.deposit_due_delta == Decimal("50.00") and event.odf_share_delta == Decimal(
        "125.00"
    )
    again = doc.correct_member(p, Decimal("2000.00"), "sales were missing", terms, APRIL_2, "k1")
    assert again == fixed and len(recorded(doc)) == 1


def test_members_due_are_members_on_the_first_day_with_a_plan_for_the_period(
    terms: ProgrammeTerms,
) -> None:
    plans = {
        "a": plan("a", terms),
        "late_plan": plan("late_plan", terms, start=date(2031, 4, 1)),
        "left_mid_march": plan("left_mid_march", terms),
        "not_member": plan("not_member", terms),
        "quarterly": plan("quarterly", terms, months=3),
    }
    on_march_first = {"a", "late_plan", "left_mid_march", "quarterly"}
    due = members_due(plans, lambda p, day: p in on_march_first, MARCH)
    assert set(due) == {"a", "left_mid_march"}
    second_quarter = members_due(plans, lambda p, day: True, Period(date(2031, 4, 1), 3))
    assert set(second_quarter) == {"quarterly"}


def test_a_group_sheet_is_refused_whole_listing_every_problem(terms: ProgrammeTerms) -> None:
    doc = sheet_period()
    due = {m: plan(m, terms) for m in ("a", "b", "c")}
    doc.record_income(due["c"], Decimal("900.00"), NOW)
    doc.close_member(due["c"], terms, APRIL_2)
    doc.clear_pending()
    with pytest.raises(SheetRejected) as err:
        doc.close_group(
            {"a": Decimal("10.001"), "c": Decimal("1"), "x": Decimal("1")}, due, terms, APRIL_2
        )
    problems = {(p["participant_id"], p["problem"].split()[0]) for p in err.value.problems}
    assert problems == {("a", "income"), ("b", "missing:"), ("c", "already"), ("x", "owes")}
    assert recorded(doc) == [] and doc.closed_at is None
    assert "a" not in doc.lines and doc.lines["c"].income == Decimal("900.00")


def test_a_group_period_closes_once_with_every_result(terms: ProgrammeTerms) -> None:
    doc = sheet_period()
    due = {m: plan(m, terms) for m in ("a", "b", "c")}
    doc.record_income(due["c"], Decimal("1000.10"), NOW)
    doc.close_member(due["c"], terms, APRIL_2)
    doc.record_income(due["b"], Decimal("1100.00"), NOW)  # recorded earlier, left out of sheet
    doc.clear_pending()
    results = doc.close_group({"a": Decimal("2000.00")}, due, terms, APRIL_2)
    assert [r.participant_id for r in results] == ["a", "b", "c"]
    assert types(doc) == ["GroupPeriodClosed"]  # the sheet's results are announced only here
    closed = recorded(doc)[-1]
    assert {r.participant_id for r in closed.results} == {"a", "b", "c"}
    assert len(closed.results) == 3
    assert closed.total_deposit_due == Decimal("100.00") + Decimal("10.00") + Decimal("0.01")
    assert closed.total_odf_share == Decimal("250.00") + Decimal("25.00") + Decimal("0.02")
    with pytest.raises(StateConflict):
        doc.close_group({}, due, terms, APRIL_2)

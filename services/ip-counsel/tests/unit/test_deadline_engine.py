"""The deadline engine on its own: month arithmetic, reminder days, surcharges, and every
deadline rule of the settings' table computed from its trigger."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ip_counsel.config import Settings
from ip_counsel.domain import deadlines as engine
from ip_counsel.domain.deadlines import add_months, add_years, reminder_dates
from ip_counsel.domain.filing_rules import (
    AnnuityRule,
    DeadlineKind,
    FilingRules,
    FilingTypeRule,
    NotFiled,
    PeriodRule,
    RenewalRule,
    UnknownFilingType,
    UseDeclarationRule,
)

RULES = Settings().filing_rules


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year: the last day of February
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 30), 1, date(2024, 2, 29)),
        (date(2024, 1, 29), 1, date(2024, 2, 29)),
        (date(2024, 1, 28), 1, date(2024, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # a leap day a year on
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 2, 29), 1, date(2024, 3, 29)),  # the day number is kept, not "month end"
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2023, 8, 31), 30, date(2026, 2, 28)),  # the PCT 30 months
        (date(2024, 3, 31), 6, date(2024, 9, 30)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),  # over the year's end
        (date(2024, 12, 31), 2, date(2025, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),  # backwards too
        (date(2025, 1, 31), -13, date(2023, 12, 31)),
        (date(2024, 5, 17), 0, date(2024, 5, 17)),
    ],
)
def test_month_arithmetic_clamps_to_the_months_last_day(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


def test_years_are_twelve_months() -> None:
    assert add_years(date(2020, 2, 29), 20) == date(2040, 2, 29)
    assert add_years(date(2020, 2, 29), 5) == date(2025, 2, 28)
    assert add_years(date(2021, 3, 1), 3) == date(2024, 3, 1)


@given(st.dates(date(1900, 1, 1), date(2300, 12, 31)), st.integers(0, 1200))
def test_adding_months_never_goes_back_and_lands_in_the_right_month(day: date, n: int) -> None:
    later = add_months(day, n)
    assert later >= day
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == n
    assert later.day <= day.day
    assert later.day == day.day or (later + timedelta(days=1)).month != later.month
    assert add_months(day, n + 1) > later


def test_reminders_go_out_before_the_due_day_and_not_before_the_opening() -> None:
    due = date(2025, 6, 30)
    assert reminder_dates(due, date(2025, 1, 1), [90, 30, 7]) == [
        date(2025, 4, 1),
        date(2025, 5, 31),
        date(2025, 6, 23),
    ]
    # opened 20 days before: the 90- and 30-day reminders would be about the past
    assert reminder_dates(due, date(2025, 6, 10), [90, 30, 7]) == [date(2025, 6, 23)]
    # opened on a reminder day: that reminder still goes out
    assert reminder_dates(due, date(2025, 5, 31), [90, 30, 7]) == [
        date(2025, 5, 31),
        date(2025, 6, 23),
    ]
    assert reminder_dates(due, due, [90, 30, 7]) == []


@given(
    st.dates(date(1990, 1, 1), date(2100, 12, 31)),
    st.integers(0, 400),
    st.integers(1, 400),
    st.lists(st.integers(1, 400), max_size=6, unique=True),
)
def test_reminders_precede_their_due_date(
    opened: date, after: int, length: int, days: list[int]
) -> None:
    due = opened + timedelta(days=after + length)
    got = reminder_dates(due, opened + timedelta(days=after), days)
    assert got == sorted(set(got))
    assert all(opened + timedelta(days=after) <= r < due for r in got)
    assert {(due - r).days for r in got} <= set(days)


def test_the_surcharge_is_a_rate_of_the_fee_plus_a_fixed_late_fee_to_the_centavo() -> None:
    assert engine.surcharge(Decimal("12000.00"), Decimal("0.25")) == Decimal("3000.00")
    assert engine.surcharge(Decimal("1000.01"), Decimal("0.125")) == Decimal("125.00")  # even
    assert engine.surcharge(Decimal("1000.03"), Decimal("0.125")) == Decimal("125.00")
    assert engine.surcharge(Decimal("1000.05"), Decimal("0.125")) == Decimal("125.01")
    assert engine.surcharge(None, Decimal("0.25"), Decimal("1500")) == Decimal("1500.00")
    assert engine.surcharge(Decimal("100"), Decimal("0.1"), Decimal("5")) == Decimal("15.00")
    assert engine.surcharge(Decimal("100"), Decimal("0")) is None
    assert engine.surcharge(None, Decimal("0.25")) is None


# ---- every rule of the settings' table, from its trigger

TRIGGERS = [date(2024, 2, 29), date(2023, 1, 31), date(2025, 8, 31), date(2024, 11, 30)]
FILED = [code for code, rule in RULES.types.items() if rule.filed]


@pytest.mark.parametrize("code", FILED)
@pytest.mark.parametrize("t", TRIGGERS)
def test_each_period_rule_counts_its_months_from_its_trigger(code: str, t: date) -> None:
    rule = RULES.rule_for(code)
    for compute, period in (
        (engine.novelty_grace, rule.novelty_grace),
        (engine.priority, rule.priority),
        (engine.national_phase, rule.national_phase),
        (engine.grant_fee, rule.grant_fee),
    ):
        spec = compute(rule, t)
        if period is None:
            assert spec is None
            continue
        assert spec is not None
        assert (spec.trigger_on, spec.due_on, spec.fee) == (
            t,
            add_months(t, period.months),
            period.fee,
        )
    if rule.office_action is not None:
        spec = engine.office_action_response(rule, 3, t)
        assert spec.key == "office_action_response-3"
        assert spec.due_on == add_months(t, rule.office_action.months)


def test_the_settings_say_mexican_practice() -> None:
    """RULES.md's decision, as the default table has it."""
    p, um = RULES.rule_for("patent"), RULES.rule_for("utility_model")
    d, tm = RULES.rule_for("industrial_design"), RULES.rule_for("trademark")
    assert (p.term_years, um.term_years, d.term_years, tm.term_years) == (20, 15, 25, None)
    assert (p.term_from, d.term_from, tm.term_from) == ("filing", "filing", "grant")
    assert [r.priority.months for r in (p, um, d, tm) if r.priority] == [12, 12, 6, 6]
    assert [r.novelty_grace.months for r in (p, um, d) if r.novelty_grace] == [12, 12, 12]
    assert p.national_phase is not None and p.national_phase.months == 30
    assert p.grant_fee is not None and p.grant_fee.months == 2
    assert p.annuity is not None
    assert (p.annuity.paid_with_grant_years, p.annuity.block_years) == (5, 5)
    assert p.annuity.late_months == 6 and p.annuity.surcharge_rate > 0
    assert d.renewal is not None and d.renewal.term_years == 5
    assert tm.renewal is not None and tm.renewal.term_years == 10
    assert tm.use_declaration is not None
    assert (tm.use_declaration.after_years, tm.use_declaration.within_months) == (3, 3)
    assert RULES.reminder_days == [90, 30, 7]
    assert not RULES.rule_for("trade_secret").filed


@pytest.mark.parametrize(
    ("code", "granted", "expected"),
    [
        ("patent", date(2024, 2, 29), [date(2029, 2, 28), date(2034, 2, 28), date(2039, 2, 28)]),
        ("utility_model", date(2024, 2, 29), [date(2029, 2, 28), date(2034, 2, 28)]),
    ],
)
def test_annuity_blocks_fall_on_the_grants_anniversaries_inside_the_term(
    code: str, granted: date, expected: list[date]
) -> None:
    rule = RULES.rule_for(code)
    assert rule.annuity is not None
    expires = engine.expiry(rule, date(2023, 12, 1), granted)
    blocks = [engine.annuity_block(rule.annuity, granted, b, expires) for b in range(2, 8)]
    assert [s.due_on for s in blocks if s is not None] == expected
    assert [s.key for s in blocks if s is not None][:2] == ["annuity-2", "annuity-3"]


def test_a_block_starting_on_the_terms_last_day_or_later_is_not_due() -> None:
    rule = AnnuityRule(paid_with_grant_years=5, block_years=5)
    granted = date(2030, 1, 10)
    assert engine.annuity_block(rule, granted, 2, date(2035, 1, 10)) is None
    spec = engine.annuity_block(rule, granted, 2, date(2035, 1, 11))
    assert spec is not None and spec.due_on == date(2035, 1, 10)
    with pytest.raises(ValueError):
        engine.annuity_block(rule, granted, 1, None)


def test_renewals_fall_on_each_terms_last_day_until_the_maximum() -> None:
    design = RULES.rule_for("industrial_design")
    assert design.renewal is not None
    filed = date(2024, 2, 29)
    expires = engine.expiry(design, filed, date(2025, 1, 1))
    assert expires == date(2049, 2, 28)
    dues = [engine.renewal(design.renewal, filed, n, expires) for n in range(1, 7)]
    assert [s.due_on for s in dues if s is not None] == [
        date(2029, 2, 28),
        date(2034, 2, 28),
        date(2039, 2, 28),
        date(2044, 2, 29),  # a leap year again: the filing's own day
    ]
    # a grant after the first term ended: the first renewal due is the second
    assert engine.first_renewal_after(design.renewal, filed, date(2029, 2, 28)) == 2
    assert engine.first_renewal_after(design.renewal, filed, date(2029, 2, 27)) == 1
    mark = RULES.rule_for("trademark")
    assert mark.renewal is not None and engine.expiry(mark, filed, date(2025, 3, 1)) is None
    spec = engine.renewal(mark.renewal, date(2025, 3, 1), 7, None)
    assert spec is not None and spec.due_on == date(2095, 3, 1)


def test_the_declaration_of_use_is_due_three_months_after_the_third_anniversary() -> None:
    mark = RULES.rule_for("trademark")
    spec = engine.use_declaration(mark, date(2024, 11, 30))
    assert spec is not None and spec.due_on == date(2028, 2, 29)
    assert engine.use_declaration(RULES.rule_for("patent"), date(2024, 11, 30)) is None


@pytest.mark.parametrize(
    ("code", "filed", "granted", "expected"),
    [
        ("patent", date(2024, 2, 29), date(2027, 5, 1), date(2044, 2, 29)),
        ("utility_model", date(2024, 2, 29), date(2027, 5, 1), date(2039, 2, 28)),
        ("industrial_design", date(2023, 1, 31), date(2024, 1, 1), date(2048, 1, 31)),
        ("trademark", date(2023, 1, 31), date(2024, 1, 1), None),
    ],
)
def test_the_term_ends_on_its_anniversary(
    code: str, filed: date, granted: date, expected: date | None
) -> None:
    assert engine.expiry(RULES.rule_for(code), filed, granted) == expected


def test_a_late_period_follows_a_missed_deadline_once() -> None:
    spec = engine.DeadlineSpec(
        kind=DeadlineKind.ANNUITY,
        key="annuity-2",
        trigger="grant",
        trigger_on=date(2024, 8, 31),
        due_on=date(2029, 8, 31),
        fee=Decimal("12000.00"),
        late_months=6,
        surcharge_rate=Decimal("0.25"),
        block=2,
    )
    late = engine.late_period(spec)
    assert late is not None
    assert (late.key, late.due_on, late.trigger_on) == (
        "annuity-2-late",
        date(2030, 2, 28),
        date(2029, 8, 31),
    )
    assert (late.fee, late.surcharge, late.block, late.late) == (
        Decimal("12000.00"),
        Decimal("3000.00"),
        2,
        True,
    )
    assert engine.late_period(late) is None


_months = st.integers(1, 120)
_days = st.dates(date(1950, 1, 1), date(2150, 12, 31))


@given(
    _days,
    _days,
    st.builds(PeriodRule, months=_months, late_months=st.integers(0, 24)),
    st.builds(
        AnnuityRule, paid_with_grant_years=st.integers(1, 20), block_years=st.integers(1, 20)
    ),
    st.builds(RenewalRule, term_years=st.integers(1, 20), late_months=st.integers(0, 24)),
    st.builds(UseDeclarationRule, after_years=st.integers(1, 10), within_months=st.integers(1, 24)),
    st.integers(1, 8),
)
def test_no_deadline_is_ever_due_before_its_trigger(
    t: date,
    other: date,
    period: PeriodRule,
    annuity: AnnuityRule,
    renewal: RenewalRule,
    use: UseDeclarationRule,
    n: int,
) -> None:
    """Whatever the settings say, every deadline the engine computes is due after what
    triggered it, and so is the late period after the deadline it follows."""
    rule = FilingTypeRule(
        name="any",
        term_years=25,
        novelty_grace=period,
        priority=period,
        national_phase=period,
        office_action=period,
        grant_fee=period,
        annuity=annuity,
        use_declaration=use,
    )
    filed, granted = min(t, other), max(t, other)
    expires = engine.expiry(rule, filed, granted)
    specs = [
        engine.novelty_grace(rule, t),
        engine.priority(rule, t),
        engine.national_phase(rule, t),
        engine.office_action_response(rule, n, t),
        engine.grant_fee(rule, t),
        engine.use_declaration(rule, t),
        engine.annuity_block(annuity, granted, n + 1, expires),
        engine.renewal(renewal, filed, engine.first_renewal_after(renewal, filed, granted), None),
    ]
    for spec in specs:
        if spec is None:
            continue
        assert spec.due_on > spec.trigger_on
        if spec.kind is DeadlineKind.RENEWAL:
            assert spec.due_on > granted
        late = engine.late_period(spec)
        if late is not None:
            assert late.trigger_on == spec.due_on < late.due_on


def test_a_deadline_due_on_or_before_its_trigger_cannot_even_be_built() -> None:
    with pytest.raises(ValueError):
        engine.DeadlineSpec(
            kind=DeadlineKind.PRIORITY,
            key="priority",
            trigger="first_filing",
            trigger_on=date(2025, 1, 1),
            due_on=date(2025, 1, 1),
        )


# ---- the table itself


def test_an_unknown_filing_type_is_refused_with_the_known_ones() -> None:
    with pytest.raises(UnknownFilingType) as refused:
        RULES.rule_for("copyright")
    assert refused.value.status == 422
    assert refused.value.extensions["known"] == sorted(RULES.types)
    assert NotFiled("trade_secret").status == 422


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "x", "filed": False, "term_years": 5},
        {"name": "x", "filed": False, "priority": {"months": 6}},
        {"name": "x"},  # filed, but neither a term nor renewals
        {
            "name": "x",
            "term_years": 20,
            "annuity": {},
            "grant_fee": {"months": 2},
            "renewal": {"term_years": 5},
        },  # annuities and renewals both
        {"name": "x", "term_years": 20, "annuity": {}},  # annuities without a grant fee
        {"name": "x", "term_years": 20, "priority": {"months": 0}},
        {"name": "x", "term_years": 20, "priority": {"months": 6, "surcharge_rate": "-1"}},
        {"name": "x", "term_years": 20, "priority": {"months": 6, "typo": 1}},
    ],
)
def test_an_incoherent_rule_is_refused_when_the_settings_load(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        FilingTypeRule.model_validate(bad)


@pytest.mark.parametrize("days", [[0], [30, 30], [-7]])
def test_reminder_days_are_positive_and_listed_once(days: list[int]) -> None:
    with pytest.raises(ValidationError):
        FilingRules(types={}, reminder_days=days)


def test_the_whole_table_is_replaced_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "FILING_RULES",
        '{"types": {"patent": {"name": "Patent", "term_years": 21}}, "reminder_days": [60]}',
    )
    rules = Settings().filing_rules
    assert list(rules.types) == ["patent"] and rules.types["patent"].term_years == 21
    assert rules.reminder_days == [60]

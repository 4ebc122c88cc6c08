"""A filing's deadlines through the scheduler's tick: every rule of the settings' table on the
day before, the day of and the day after its due date (and its late period's), reminders
announced once, a tick after a long gap catching up in date order, and properties over random
lives of a filing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from ip_counsel.config import Settings
from ip_counsel.domain.deadline_book import FilingStatus
from ip_counsel.domain.deadlines import Outcome, add_months, add_years
from ip_counsel.domain.filing_rules import DeadlineKind
from ip_counsel.domain.filings import Filing
from megp_common.contracts import ip_counsel as ev
from megp_common.refusals import DomainRefusal, RuleViolation

RULES = Settings().filing_rules
DAY = timedelta(days=1)


def drafted(code: str, today: date, **kw: object) -> Filing:
    return Filing.draft(
        id="f-1",
        disclosure_id="d-1",
        filing_type=code,
        rule=RULES.rule_for(code),
        reminder_days=RULES.reminder_days,
        inventors=["p-1", "p-2"],
        disclosure_recorded_on=today,
        today=today,
        **kw,  # type: ignore[arg-type]
    )


def examined(code: str, t: date) -> Filing:
    """In examination since 40 days before `t` (filed 60 days before, its priority used at
    once by a filing abroad, so that only the deadline under test runs)."""
    filed = t - 60 * DAY
    f = drafted(code, filed)
    f.submit("MX/a/2024/000001", filed, filed)
    if f.rule.priority is not None:
        f.meet("priority", filed, filed)
    f.publish(filed + 10 * DAY, filed + 10 * DAY)
    f.start_examination(filed + 20 * DAY, filed + 20 * DAY)
    return f


def granted(code: str, t: date) -> Filing:
    f = examined(code, t)
    f.allow(t - 20 * DAY, t - 20 * DAY)
    if f.rule.grant_fee is not None:
        f.meet("grant_fee", t - 10 * DAY, t - 10 * DAY)
    f.grant("MX 400001", t, t)
    return f


def at_novelty_grace(code: str, t: date) -> tuple[Filing, str]:
    return drafted(code, t, public_disclosure_on=t), "novelty_grace"


def at_priority(code: str, t: date) -> tuple[Filing, str]:
    f = drafted(code, t)
    f.submit("MX/a/2024/000001", t, t)
    return f, "priority"


def at_national_phase(code: str, t: date) -> tuple[Filing, str]:
    f = drafted(code, t, route="pct")
    f.submit("PCT/MX2024/000001", t, t)
    return f, "national_phase"


def at_office_action(code: str, t: date) -> tuple[Filing, str]:
    f = examined(code, t)
    return f, f.receive_office_action(t, t).id


def at_grant_fee(code: str, t: date) -> tuple[Filing, str]:
    f = examined(code, t)
    f.allow(t, t)
    return f, "grant_fee"


def at_annuity(code: str, t: date) -> tuple[Filing, str]:
    return granted(code, t), "annuity-2"


def at_renewal(code: str, t: date) -> tuple[Filing, str]:
    f = granted(code, t)
    if f.rule.use_declaration is not None:  # a mark declares its use first, or it lapses
        f.meet("use_declaration", t, t)
    return f, next(d.id for d in f.open_deadlines() if d.kind is DeadlineKind.RENEWAL)


def at_use_declaration(code: str, t: date) -> tuple[Filing, str]:
    return granted(code, t), "use_declaration"


Scenario = Callable[[str, date], tuple[Filing, str]]


def period(f: Filing, name: str) -> Any:
    """The rule `name` of the filing's type (present: the table's rows are built from it)."""
    rule = getattr(f.rule, name)
    assert rule is not None
    return rule


#: kind -> (how to reach it, its due date from the trigger and the rule, status after a miss
#: beyond any late period). The expected statuses are the law's, written out here on purpose.
TABLE: dict[DeadlineKind, tuple[Scenario, Callable[[Filing, date], date], FilingStatus]] = {
    DeadlineKind.NOVELTY_GRACE: (
        at_novelty_grace,
        lambda f, t: add_months(t, period(f, "novelty_grace").months),
        FilingStatus.LAPSED,
    ),
    DeadlineKind.PRIORITY: (
        at_priority,
        lambda f, t: add_months(t, period(f, "priority").months),
        FilingStatus.FILED,  # the priority right is lost; the filing stands
    ),
    DeadlineKind.NATIONAL_PHASE: (
        at_national_phase,
        lambda f, t: add_months(t, period(f, "national_phase").months),
        FilingStatus.LAPSED,
    ),
    DeadlineKind.OFFICE_ACTION: (
        at_office_action,
        lambda f, t: add_months(t, period(f, "office_action").months),
        FilingStatus.ABANDONED,
    ),
    DeadlineKind.GRANT_FEE: (
        at_grant_fee,
        lambda f, t: add_months(t, period(f, "grant_fee").months),
        FilingStatus.ABANDONED,
    ),
    DeadlineKind.ANNUITY: (
        at_annuity,
        lambda f, t: add_years(t, period(f, "annuity").paid_with_grant_years),
        FilingStatus.LAPSED,
    ),
    DeadlineKind.RENEWAL: (
        at_renewal,
        lambda f, t: add_years(
            (f.filed_on or t) if f.rule.term_from == "filing" else t,
            period(f, "renewal").term_years,
        ),
        FilingStatus.LAPSED,
    ),
    DeadlineKind.USE_DECLARATION: (
        at_use_declaration,
        lambda f, t: add_months(
            t,
            12 * period(f, "use_declaration").after_years
            + period(f, "use_declaration").within_months,
        ),
        FilingStatus.LAPSED,
    ),
}

FIELD = {
    DeadlineKind.NOVELTY_GRACE: "novelty_grace",
    DeadlineKind.PRIORITY: "priority",
    DeadlineKind.NATIONAL_PHASE: "national_phase",
    DeadlineKind.OFFICE_ACTION: "office_action",
    DeadlineKind.GRANT_FEE: "grant_fee",
    DeadlineKind.ANNUITY: "annuity",
    DeadlineKind.RENEWAL: "renewal",
    DeadlineKind.USE_DECLARATION: "use_declaration",
}
TRIGGERS = [date(2024, 2, 29), date(2023, 1, 31), date(2025, 8, 31), date(2024, 11, 30)]
ROWS = [
    pytest.param(code, kind, t, id=f"{code}-{kind.value}-{t}")
    for code, rule in RULES.types.items()
    if rule.filed
    for kind in DeadlineKind
    if getattr(rule, FIELD[kind]) is not None
    for t in TRIGGERS
]


def events(f: Filing) -> list[object]:
    return [e.payload for e in f.pending_events()]


def test_the_table_covers_every_rule_of_the_settings() -> None:
    kinds = {(r.values[0], r.values[1]) for r in ROWS}
    assert len(kinds) == 21  # 6 + 6 + 5 + 4 rules in the default table
    assert ("trademark", DeadlineKind.USE_DECLARATION) in kinds
    assert not any(code == "trade_secret" for code, _ in kinds)


@pytest.mark.parametrize(("code", "kind", "t"), ROWS)
def test_the_day_before_the_day_of_and_the_day_after_each_due_date(
    code: str, kind: DeadlineKind, t: date
) -> None:
    scenario, due_of, after_miss = TABLE[kind]
    f, deadline_id = scenario(code, t)
    d = f.deadline(deadline_id)
    assert d.kind is kind and d.due_on == due_of(f, t) and d.trigger_on < d.due_on
    status = f.status

    assert f.due(d.due_on - DAY).missed == [] and d.is_open
    assert f.due(d.due_on).missed == [] and d.is_open
    report = f.due(d.due_on + DAY)
    assert d.outcome is Outcome.MISSED and d.closed_on == d.due_on + DAY
    assert [m.id for m in report.missed] == [deadline_id]

    late_months = getattr(f.rule, FIELD[kind]).late_months
    if late_months:
        assert f.status is status  # still alive, in the late period
        late = f.deadline(f"{deadline_id}-late")
        assert late.late and late.due_on == add_months(d.due_on, late_months)
        period = getattr(f.rule, FIELD[kind])
        expected = (late.fee or 0) * period.surcharge_rate + (getattr(period, "late_fee", 0) or 0)
        assert (late.surcharge or 0) == expected
        assert f.due(late.due_on - DAY).missed == [] and late.is_open
        assert f.due(late.due_on).missed == [] and late.is_open
        assert [m.id for m in f.due(late.due_on + DAY).missed] == [late.id]
        assert late.outcome is Outcome.MISSED
    assert f.status is after_miss
    if after_miss in (FilingStatus.LAPSED, FilingStatus.ABANDONED):
        assert f.ended_on is not None and f.open_deadlines() == []


@pytest.mark.parametrize(("code", "kind", "t"), ROWS)
def test_met_on_the_due_day_but_not_the_day_after(code: str, kind: DeadlineKind, t: date) -> None:
    scenario = TABLE[kind][0]
    f, deadline_id = scenario(code, t)
    d = f.deadline(deadline_id)
    if kind is DeadlineKind.NOVELTY_GRACE:  # met by filing the application
        with pytest.raises(RuleViolation):
            f.submit("MX/a/1", d.due_on + DAY, d.due_on + DAY)
        f.submit("MX/a/1", d.due_on, d.due_on)
    else:
        with pytest.raises(RuleViolation):
            f.meet(deadline_id, d.due_on + DAY, d.due_on + DAY)
        f.meet(deadline_id, d.due_on, d.due_on)
    assert d.outcome is Outcome.MET and d.closed_on == d.due_on
    met = [e for e in events(f) if isinstance(e, ev.DeadlineMet)]
    assert met[-1].deadline_id == deadline_id and met[-1].fee == d.fee
    f.due(d.due_on + 400 * DAY)
    assert d.outcome is Outcome.MET  # a later tick leaves it met


@pytest.mark.parametrize("code", ["patent", "utility_model"])
def test_a_late_annuity_is_paid_with_its_surcharge_and_the_next_block_follows(code: str) -> None:
    f = granted(code, date(2024, 2, 29))
    assert f.rule.annuity is not None
    f.due(date(2029, 3, 1))
    late = f.deadline("annuity-2-late")
    assert late.fee is not None and late.due_on == date(2029, 8, 28)
    assert late.amount_due == late.fee * (1 + f.rule.annuity.surcharge_rate)
    f.meet(late.id, date(2029, 8, 28), date(2029, 8, 28))
    nxt = f.deadline("annuity-3")
    assert nxt.due_on == date(2034, 2, 28) and nxt.is_open  # the anniversary, not the payment
    paid = [e for e in events(f) if isinstance(e, ev.DeadlineMet)][-1]
    assert paid.late and paid.surcharge == late.surcharge


@pytest.mark.parametrize(
    ("code", "blocks", "last_day"),
    [
        ("patent", ["annuity-2", "annuity-3", "annuity-4"], date(2044, 2, 29)),
        ("utility_model", ["annuity-2", "annuity-3"], date(2039, 2, 28)),
        ("industrial_design", [f"renewal-{n}" for n in (1, 2, 3, 4)], date(2049, 2, 28)),
    ],
)
def test_a_right_kept_alive_expires_the_day_after_its_terms_last_day(
    code: str, blocks: list[str], last_day: date
) -> None:
    filed = date(2024, 2, 29)
    f = granted(code, filed + 60 * DAY)
    assert f.filed_on == filed and f.expires_on == last_day
    paid = []
    while f.open_deadlines():
        d = f.open_deadlines()[0]
        f.meet(d.id, d.due_on, d.due_on)
        paid.append(d.id)
    assert paid == blocks
    assert f.due(last_day).ended is None and f.status is FilingStatus.GRANTED
    report = f.due(last_day + DAY)
    assert report.ended is FilingStatus.EXPIRED and f.ended_on == last_day + DAY
    expired = [e for e in events(f) if isinstance(e, ev.FilingExpired)]
    assert [(e.expires_on, e.expired_on) for e in expired] == [(last_day, last_day + DAY)]


def test_a_mark_renews_every_ten_years_without_end() -> None:
    f = granted("trademark", date(2024, 11, 30))
    f.meet("use_declaration", date(2027, 12, 1), date(2027, 12, 1))
    for n in (1, 2, 3):
        d = f.deadline(f"renewal-{n}")
        assert d.due_on == date(2024 + 10 * n, 11, 30)
        f.meet(d.id, d.due_on - 100 * DAY, d.due_on - 100 * DAY)
    assert f.deadline("renewal-4").due_on == date(2064, 11, 30)
    assert f.expires_on is None and f.status is FilingStatus.GRANTED


def test_reminders_go_out_once_each_on_their_days() -> None:
    f, _ = at_grant_fee("patent", date(2025, 1, 10))  # due 2025-03-10, reminders 90/30/7 days
    d = f.deadline("grant_fee")
    assert d.reminders == [date(2025, 2, 8), date(2025, 3, 3)]  # 90 days before was the past
    assert f.due(date(2025, 2, 7)).reminders == []
    assert [r.id for r in f.due(date(2025, 2, 8)).reminders] == ["grant_fee"]
    assert f.due(date(2025, 2, 8)).reminders == []  # the same tick again: nothing new
    assert f.due(date(2025, 3, 2)).reminders == []
    assert [r.id for r in f.due(date(2025, 3, 5)).reminders] == ["grant_fee"]
    assert f.due(date(2025, 3, 10)).reminders == []
    sent = [e for e in events(f) if isinstance(e, ev.DeadlineReminderDue)]
    assert [(e.reminder_on, e.days_left) for e in sent] == [
        (date(2025, 2, 8), 30),
        (date(2025, 3, 3), 5),
    ]


def test_after_a_gap_one_reminder_goes_out_the_latest() -> None:
    f, _ = at_priority("patent", date(2025, 1, 10))  # due 2026-01-10
    report = f.due(date(2026, 1, 5))
    assert [r.id for r in report.reminders] == ["priority"]
    sent = [e for e in events(f) if isinstance(e, ev.DeadlineReminderDue)]
    assert [e.reminder_on for e in sent] == [date(2026, 1, 3)]
    assert f.due(date(2026, 1, 6)).reminders == []


def test_a_tick_after_years_catches_up_in_date_order() -> None:
    """Never paid, never ticked for seven years: the block is missed, its late period opened
    and missed, and the right lapsed, each on its own date; a second tick adds nothing."""
    f = granted("patent", date(2024, 2, 29))
    f.clear_pending()
    report = f.due(date(2031, 1, 1))
    assert [d.id for d in report.missed] == ["annuity-2", "annuity-2-late"]
    assert report.ended is FilingStatus.LAPSED and f.ended_on == date(2029, 8, 29)
    got = [(type(e).__name__, getattr(e, "deadline_id", None)) for e in events(f)]
    assert got == [
        ("DeadlineMissed", "annuity-2"),
        ("DeadlineOpened", "annuity-2-late"),
        ("DeadlineMissed", "annuity-2-late"),
        ("FilingLapsed", "annuity-2-late"),
    ]
    missed = [e for e in events(f) if isinstance(e, ev.DeadlineMissed)]
    assert [(m.missed_on, m.consequence) for m in missed] == [
        (date(2029, 3, 1), "late_period"),
        (date(2029, 8, 29), "lapsed"),
    ]
    f.clear_pending()
    assert f.due(date(2031, 1, 1)).missed == [] and events(f) == []


def test_the_terms_end_comes_before_a_miss_on_the_same_day() -> None:
    """A block whose late period runs past the term: the right expires, it does not lapse."""
    f = granted("utility_model", date(2024, 2, 29))  # filed 2023-12-31, last day 2038-12-31
    for block in ("annuity-2", "annuity-3"):
        f.meet(block, f.deadline(block).due_on, f.deadline(block).due_on)
    assert f.expires_on == date(2038, 12, 31) and f.open_deadlines() == []
    f.due(date(2040, 1, 1))
    assert f.status is FilingStatus.EXPIRED


# ---- properties over random lives


ACTIONS = st.sampled_from(
    ["advance", "advance", "advance", "meet", "meet", "office_action", "tick", "abandon"]
)


#: mostly days or weeks between steps, sometimes years (a scheduler down, a right left alone)
GAPS = st.one_of(st.integers(0, 45), st.integers(0, 45), st.integers(0, 2500))


def advance(f: Filing, today: date) -> None:
    """The next step of a filing's life, as its state asks."""
    s = f.status
    if s is FilingStatus.DRAFTED:
        f.submit("MX/a/1", today, today)
    elif s is FilingStatus.FILED:
        f.publish(today, today)
    elif s is FilingStatus.PUBLISHED:
        f.start_examination(today, today)
    elif s is FilingStatus.IN_EXAMINATION:
        for d in f.open_deadlines():
            if d.kind is DeadlineKind.OFFICE_ACTION:
                f.meet(d.id, today, today)
        f.allow(today, today)
    elif s is FilingStatus.ALLOWED:
        if any(d.id == "grant_fee" and d.is_open for d in f.deadlines):
            f.meet("grant_fee", today, today)
        f.grant("MX 1", today, today)
    elif s is FilingStatus.GRANTED:
        f.publish_grant(today, today)


def act(f: Filing, action: str, today: date, pick: int) -> None:
    try:
        if action == "advance":
            advance(f, today)
        elif action == "office_action":
            f.receive_office_action(today, today)
        elif action == "meet" and f.open_deadlines():
            opened = f.open_deadlines()
            f.meet(opened[pick % len(opened)].id, today, today)
        elif action == "abandon" and pick % 10 == 0:
            f.abandon(today, today)
    except DomainRefusal:
        pass
    f.due(today)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(c for c, r in RULES.types.items() if r.filed)),
    st.sampled_from(["national", "pct"]),
    st.dates(date(2000, 1, 1), date(2060, 12, 31)),
    st.booleans(),
    st.lists(st.tuples(ACTIONS, GAPS, st.integers(0, 100)), max_size=40),
)
def test_no_deadline_before_its_trigger_and_each_announcement_once(
    code: str,
    route: str,
    start: date,
    disclosed: bool,
    steps: list[tuple[str, int, int]],
) -> None:
    rule = RULES.rule_for(code)
    if route == "pct" and rule.national_phase is None:
        route = "national"
    public = start - 30 * DAY if disclosed and rule.novelty_grace else None
    f = drafted(code, start, route=route, public_disclosure_on=public)
    today = start
    for action, gap, pick in steps:
        today += gap * DAY
        act(f, action, today, pick)
    event(f"ended {f.status.value}" if f.ended_on else f"alive {f.status.value}")
    for d in f.deadlines:
        assert d.trigger_on < d.due_on
        assert d.trigger_on <= d.opened_on
        assert all(d.opened_on <= r < d.due_on for r in d.reminders)
        assert set(d.announced) <= set(d.reminders)
        if d.outcome is Outcome.MET:
            assert d.closed_on is not None and d.closed_on <= d.due_on
        if d.outcome is Outcome.MISSED:
            assert d.closed_on == d.due_on + DAY
    published = events(f)
    missed = Counter(e.deadline_id for e in published if isinstance(e, ev.DeadlineMissed))
    assert all(n == 1 for n in missed.values())
    reminders = Counter(
        (e.deadline_id, e.reminder_on) for e in published if isinstance(e, ev.DeadlineReminderDue)
    )
    assert all(n == 1 for n in reminders.values())
    # every missed statutory deadline with nothing after it lapsed or abandoned the filing
    for i, e in enumerate(published):
        if isinstance(e, ev.DeadlineMissed) and e.consequence in ("lapsed", "abandoned"):
            nxt = published[i + 1]
            assert isinstance(nxt, ev.FilingLapsed | ev.FilingAbandoned)
            assert nxt.deadline_id == e.deadline_id
    if f.status in (FilingStatus.LAPSED, FilingStatus.EXPIRED, FilingStatus.ABANDONED):
        assert f.open_deadlines() == []


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["patent", "utility_model", "industrial_design", "trademark"]),
    st.dates(date(2000, 1, 1), date(2060, 12, 31)),
    st.lists(st.integers(1, 3000), min_size=1, max_size=12),
)
def test_ticking_often_or_once_ends_the_same(code: str, granted_on: date, gaps: list[int]) -> None:
    """The tick is a function of the date alone: many ticks or one at the end leave every
    deadline with the same outcome on the same day, and the filing in the same state."""
    often, once = granted(code, granted_on), granted(code, granted_on)
    today = granted_on
    for gap in gaps:
        today += gap * DAY
        often.due(today)
    once.due(today)

    def outcome(f: Filing) -> list[tuple[str, Outcome, date | None]]:
        return [(d.id, d.outcome, d.closed_on) for d in f.deadlines]

    assert outcome(often) == outcome(once)
    assert (often.status, often.ended_on) == (once.status, once.ended_on)

"""A filing's life: every verb from every state (allowed, or refused 409), the refusals of bad
dates and types (422), and the events each step announces."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from ip_counsel.config import Settings
from ip_counsel.domain.deadline_book import FilingStatus
from ip_counsel.domain.deadlines import Outcome
from ip_counsel.domain.filing_rules import NotFiled, UnknownFilingType
from ip_counsel.domain.filings import Filing
from megp_common.contracts import ip_counsel as ev
from megp_common.refusals import Missing, RuleViolation, StateConflict

RULES = Settings().filing_rules
DAY = timedelta(days=1)
DISCLOSED = date(2024, 1, 5)
FILED = date(2024, 1, 10)
PUBLISHED = date(2024, 7, 10)
EXAMINED = date(2024, 8, 1)
ALLOWED = date(2025, 3, 3)
FEE_PAID = date(2025, 3, 10)
GRANTED = date(2025, 4, 1)
GAZETTE = date(2025, 5, 1)
TODAY = date(2025, 6, 2)


def drafted(code: str = "patent", today: date = DISCLOSED, **kw: object) -> Filing:
    rule = RULES.rule_for(code)
    return Filing.draft(
        id="f-1",
        disclosure_id="d-1",
        filing_type=code,
        rule=rule,
        reminder_days=RULES.reminder_days,
        inventors=kw.pop("inventors", ["p-1"]),  # type: ignore[arg-type]
        disclosure_recorded_on=kw.pop("disclosed", DISCLOSED),  # type: ignore[arg-type]
        today=today,
        group_id="g-1",
        state="09",
        **kw,  # type: ignore[arg-type]
    )


def reach(status: FilingStatus) -> Filing:
    """A patent taken along its life to `status`."""
    f = drafted()
    steps: list[tuple[FilingStatus, Callable[[], object]]] = [
        (FilingStatus.FILED, lambda: f.submit("MX/a/2024/000100", FILED, FILED)),
        (FilingStatus.PUBLISHED, lambda: f.publish(PUBLISHED, PUBLISHED)),
        (FilingStatus.IN_EXAMINATION, lambda: f.start_examination(EXAMINED, EXAMINED)),
        (FilingStatus.ALLOWED, lambda: f.allow(ALLOWED, ALLOWED)),
        (FilingStatus.GRANTED, lambda: _pay_and_grant(f)),
        (FilingStatus.IN_FORCE, lambda: f.publish_grant(GAZETTE, GAZETTE)),
    ]
    ended: dict[FilingStatus, Callable[[], object]] = {
        FilingStatus.LAPSED: lambda: f.due(date(2031, 1, 1)),  # annuity block 2 never paid
        FilingStatus.ABANDONED: lambda: f.abandon(TODAY, TODAY),
        FilingStatus.EXPIRED: lambda: _keep_to_the_end(f),
    }
    if status is FilingStatus.DRAFTED:
        return f
    for target, step in steps:
        step()
        if target is status:
            return f
        if target is FilingStatus.IN_FORCE and status in ended:
            ended[status]()
            assert f.status is status
            return f
        if target is FilingStatus.PUBLISHED:  # the priority used abroad: no noise later
            f.meet("priority", PUBLISHED, PUBLISHED)
    raise AssertionError(status)


def _pay_and_grant(f: Filing) -> None:
    f.meet("grant_fee", FEE_PAID, FEE_PAID)
    f.grant("MX 410001", GRANTED, GRANTED)


def _keep_to_the_end(f: Filing) -> None:
    while f.open_deadlines():
        d = f.open_deadlines()[0]
        f.meet(d.id, d.due_on, d.due_on)
    assert f.expires_on == date(2044, 1, 10)
    f.due(date(2044, 1, 11))


VERBS: dict[str, Callable[[Filing], object]] = {
    "submit": lambda f: f.submit("MX/a/2025/000200", TODAY, TODAY),
    "publish": lambda f: f.publish(TODAY, TODAY),
    "start_examination": lambda f: f.start_examination(TODAY, TODAY),
    "receive_office_action": lambda f: f.receive_office_action(TODAY, TODAY),
    "allow": lambda f: f.allow(TODAY, TODAY),
    "grant": lambda f: f.grant("MX 410002", TODAY, TODAY),
    "publish_grant": lambda f: f.publish_grant(TODAY, TODAY),
    "abandon": lambda f: f.abandon(TODAY, TODAY),
}
ALLOWED_VERBS: dict[FilingStatus, set[str]] = {
    FilingStatus.DRAFTED: {"submit", "abandon"},
    FilingStatus.FILED: {"publish", "abandon"},
    FilingStatus.PUBLISHED: {"start_examination", "abandon"},
    FilingStatus.IN_EXAMINATION: {"receive_office_action", "allow", "abandon"},
    FilingStatus.ALLOWED: {"abandon"},  # a grant needs the grant fee paid first (below)
    FilingStatus.GRANTED: {"publish_grant", "abandon"},
    FilingStatus.IN_FORCE: {"abandon"},
    FilingStatus.LAPSED: set(),
    FilingStatus.EXPIRED: set(),
    FilingStatus.ABANDONED: set(),
}
AFTER = {
    "submit": FilingStatus.FILED,
    "publish": FilingStatus.PUBLISHED,
    "start_examination": FilingStatus.IN_EXAMINATION,
    "receive_office_action": FilingStatus.IN_EXAMINATION,
    "allow": FilingStatus.ALLOWED,
    "grant": FilingStatus.GRANTED,
    "publish_grant": FilingStatus.IN_FORCE,
    "abandon": FilingStatus.ABANDONED,
}


@pytest.mark.parametrize("status", list(FilingStatus))
def test_reach_takes_a_filing_to_each_state(status: FilingStatus) -> None:
    assert reach(status).status is status


@pytest.mark.parametrize("verb", list(VERBS))
@pytest.mark.parametrize("status", list(FilingStatus))
def test_every_verb_from_every_state(status: FilingStatus, verb: str) -> None:
    f = reach(status)
    before = len(f.pending_events())
    if verb in ALLOWED_VERBS[status]:
        VERBS[verb](f)
        assert f.status is AFTER[verb]
        assert len(f.pending_events()) > before  # every transition is announced
    else:
        with pytest.raises(StateConflict) as refused:
            VERBS[verb](f)
        assert refused.value.status == 409
        assert f.status is status and len(f.pending_events()) == before


def test_a_grant_waits_for_its_fee() -> None:
    f = reach(FilingStatus.ALLOWED)
    with pytest.raises(StateConflict):
        f.grant("MX 1", FEE_PAID, FEE_PAID)
    f.meet("grant_fee", FEE_PAID, FEE_PAID)
    f.grant("MX 1", GRANTED, GRANTED)
    assert f.status is FilingStatus.GRANTED and f.title_number == "MX 1"


def test_an_allowance_waits_for_every_office_action_to_be_answered() -> None:
    f = reach(FilingStatus.IN_EXAMINATION)
    first = f.receive_office_action(date(2024, 9, 2), date(2024, 9, 2))
    assert (first.id, first.due_on) == ("office_action_response-1", date(2024, 11, 2))
    with pytest.raises(StateConflict):
        f.allow(date(2024, 10, 1), date(2024, 10, 1))
    f.meet(first.id, date(2024, 10, 1), date(2024, 10, 1))
    second = f.receive_office_action(date(2024, 12, 1), date(2024, 12, 1))
    assert second.id == "office_action_response-2"
    f.due(date(2025, 2, 2))  # unanswered on time: the extension runs, with its fee
    late = f.deadline("office_action_response-2-late")
    assert late.due_on == date(2025, 4, 1) and late.surcharge == Decimal("1500.00")
    f.meet(late.id, date(2025, 3, 1), date(2025, 3, 1))
    f.allow(ALLOWED, ALLOWED)
    assert f.status is FilingStatus.ALLOWED


@pytest.mark.parametrize(
    "status", [FilingStatus.LAPSED, FilingStatus.EXPIRED, FilingStatus.ABANDONED]
)
def test_an_ended_filing_meets_nothing_and_ticks_nothing(status: FilingStatus) -> None:
    f = reach(status)
    assert f.open_deadlines() == [] and f.ended_on is not None
    with pytest.raises(StateConflict):
        f.meet(f.deadlines[-1].id, TODAY, TODAY)
    f.clear_pending()
    f.due(date(2090, 1, 1))
    assert f.pending_events() == []


def test_abandoning_supersedes_what_still_ran() -> None:
    f = reach(FilingStatus.ALLOWED)
    f.clear_pending()
    f.abandon(date(2025, 3, 5), date(2025, 3, 5))
    fee = f.deadline("grant_fee")
    assert (fee.outcome, fee.closed_on) == (Outcome.SUPERSEDED, date(2025, 3, 5))
    got = [e.payload for e in f.pending_events()]
    assert [type(e).__name__ for e in got] == ["FilingAbandoned", "DeadlineSuperseded"]
    assert got[0] == ev.FilingAbandoned(
        filing_id="f-1", abandoned_on=date(2025, 3, 5), reason="withdrawn"
    )


def test_the_events_of_a_life_in_order() -> None:
    f = reach(FilingStatus.IN_FORCE)
    names = [type(e.payload).__name__ for e in f.pending_events()]
    assert names == [
        "FilingDrafted",
        "FilingSubmitted",
        "DeadlineOpened",  # priority
        "FilingPublished",
        "DeadlineMet",  # priority used abroad
        "FilingExaminationStarted",
        "FilingAllowed",
        "DeadlineOpened",  # grant fee
        "DeadlineMet",
        "FilingGranted",
        "DeadlineOpened",  # annuity block 2
        "FilingInForce",
    ]
    by_type = {type(e.payload): e for e in f.pending_events()}
    submitted = by_type[ev.FilingSubmitted].payload
    assert submitted == ev.FilingSubmitted(
        filing_id="f-1",
        filing_type="patent",
        application_number="MX/a/2024/000100",
        filed_on=FILED,
        priority_on=FILED,
        expires_on=date(2044, 1, 10),
        fee=RULES.rule_for("patent").filing_fee,
    )
    assert all(e.key == "g-1" and e.state == "09" for e in f.pending_events())
    opened = [e.payload for e in f.pending_events() if isinstance(e.payload, ev.DeadlineOpened)]
    assert [(o.deadline_id, o.due_on, o.fee) for o in opened] == [
        ("priority", date(2025, 1, 10), None),
        ("grant_fee", date(2025, 5, 3), Decimal("9000.00")),
        ("annuity-2", date(2030, 4, 1), Decimal("12000.00")),
    ]
    wire = opened[2].model_dump(mode="json")
    assert wire["fee"] == "12000.00" and wire["due_on"] == "2030-04-01"
    assert wire["reminders"] == ["2030-01-01", "2030-03-02", "2030-03-25"]


def test_no_event_carries_a_title_or_any_content() -> None:
    f = reach(FilingStatus.IN_FORCE)
    for e in f.pending_events():
        assert not {"title", "description", "claims"} & set(type(e.payload).model_fields)


# ---- refusals: 422, nothing recorded


def test_an_unknown_filing_type_is_refused() -> None:
    with pytest.raises(UnknownFilingType) as refused:
        drafted("copyright")
    assert refused.value.status == 422


def test_a_trade_secret_is_not_filed() -> None:
    with pytest.raises(NotFiled) as refused:
        drafted("trade_secret")
    assert refused.value.status == 422


@pytest.mark.parametrize(
    ("filed_on", "ok"),
    [(DISCLOSED - DAY, False), (DISCLOSED, True), (DISCLOSED + DAY, True)],
)
def test_a_filing_date_is_not_before_the_disclosure(filed_on: date, ok: bool) -> None:
    f = drafted(today=TODAY)
    if ok:
        f.submit("MX/a/1", filed_on, TODAY)
        assert f.filed_on == filed_on
        return
    with pytest.raises(RuleViolation) as refused:
        f.submit("MX/a/1", filed_on, TODAY)
    assert refused.value.status == 422 and f.status is FilingStatus.DRAFTED


@pytest.mark.parametrize(
    "call",
    [
        lambda f: f.submit("MX/a/1", TODAY + DAY, TODAY),  # a filing date in the future
        lambda f: f.submit("  ", TODAY, TODAY),  # no application number
    ],
)
def test_a_filing_is_not_dated_in_the_future_nor_unnumbered(
    call: Callable[[Filing], object],
) -> None:
    f = drafted(today=TODAY)
    f.clear_pending()
    with pytest.raises(RuleViolation):
        call(f)
    assert f.status is FilingStatus.DRAFTED and f.pending_events() == []


def test_dates_follow_the_facts_they_come_after() -> None:
    f = reach(FilingStatus.FILED)
    with pytest.raises(RuleViolation):
        f.publish(FILED - DAY, TODAY)
    f.publish(FILED, TODAY)
    with pytest.raises(RuleViolation):
        f.start_examination(TODAY + DAY, TODAY)
    with pytest.raises(Missing) as missing:
        f.meet("annuity-9", TODAY, TODAY)
    assert missing.value.status == 404


def test_drafting_refuses_a_grace_that_already_ended_and_future_dates() -> None:
    disclosed = date(2024, 2, 29)
    f = drafted(today=date(2025, 2, 28), public_disclosure_on=disclosed, disclosed=disclosed)
    assert f.deadline("novelty_grace").due_on == date(2025, 2, 28)
    with pytest.raises(RuleViolation) as refused:
        drafted(today=date(2025, 3, 1), public_disclosure_on=disclosed, disclosed=disclosed)
    assert refused.value.extensions["grace_ended_on"] == "2025-02-28"
    with pytest.raises(RuleViolation):
        drafted(today=DISCLOSED, public_disclosure_on=DISCLOSED + DAY)
    with pytest.raises(RuleViolation):
        drafted(today=DISCLOSED, disclosed=DISCLOSED + DAY)
    with pytest.raises(RuleViolation):
        drafted(inventors=[])


def test_the_pct_route_is_for_patents_and_utility_models() -> None:
    assert drafted("utility_model", route="pct").route == "pct"
    for code in ("industrial_design", "trademark"):
        with pytest.raises(RuleViolation):
            drafted(code, route="pct")
    with pytest.raises(RuleViolation):
        drafted(route="madrid")


def test_a_pct_filing_claiming_priority_enters_the_national_phase_30_months_after_it() -> None:
    f = drafted(route="pct", priority_claimed_on=date(2023, 8, 31), today=FILED)
    f.submit("PCT/MX2024/000001", FILED, FILED)
    assert [d.id for d in f.open_deadlines()] == ["national_phase"]  # no new Paris period
    phase = f.deadline("national_phase")
    assert (phase.trigger_on, phase.due_on) == (date(2023, 8, 31), date(2026, 2, 28))
    f.meet("national_phase", date(2026, 2, 28), date(2026, 2, 28))
    assert phase.outcome is Outcome.MET


@pytest.mark.parametrize(
    ("filed_on", "ok"),
    [(date(2024, 8, 31), True), (date(2024, 9, 1), False)],
)
def test_a_priority_claim_is_filed_within_its_period(filed_on: date, ok: bool) -> None:
    f = drafted(priority_claimed_on=date(2023, 8, 31), today=TODAY)
    if ok:
        f.submit("MX/a/2", filed_on, TODAY)
        assert f.priority_on == date(2023, 8, 31) and f.open_deadlines() == []
    else:
        with pytest.raises(RuleViolation):
            f.submit("MX/a/2", filed_on, TODAY)


def test_a_filing_recorded_after_the_fact_opens_its_deadlines_today() -> None:
    """Filed a year and a half ago, entered today: the priority period already ran out; the
    next tick misses it (the priority right is lost) without any reminder about the past."""
    f = drafted(today=TODAY)
    f.submit("MX/a/3", FILED, TODAY)
    d = f.deadline("priority")
    assert (d.trigger_on, d.opened_on, d.due_on, d.reminders) == (
        FILED,
        TODAY,
        date(2025, 1, 10),
        [],
    )
    report = f.due(TODAY)
    assert [m.id for m in report.missed] == ["priority"] and report.reminders == []
    assert f.status is FilingStatus.FILED


def test_a_filing_survives_a_round_trip_through_json() -> None:
    """What a repository stores (its JSON form) loads back into the same filing, which then
    ticks exactly as the original does."""
    f = reach(FilingStatus.IN_FORCE)
    f.due(date(2030, 1, 1))  # the 90-day reminder of annuity block 2 announced
    back = Filing.model_validate_json(f.model_dump_json())
    assert back.model_dump() == f.model_dump()  # the outbox is not state: it is not stored here
    assert back.deadline("annuity-2").announced == [date(2030, 1, 1)]
    assert back.deadline("annuity-2").fee == Decimal("12000.00")
    f.clear_pending()
    assert [d.id for d in back.due(date(2031, 1, 1)).missed] == ["annuity-2", "annuity-2-late"]
    assert [d.id for d in f.due(date(2031, 1, 1)).missed] == ["annuity-2", "annuity-2-late"]
    assert back.status is f.status is FilingStatus.LAPSED
    assert [type(e.payload) for e in back.pending_events()] == [
        type(e.payload) for e in f.pending_events()
    ]

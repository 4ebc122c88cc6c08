"""Fees paid and financing asked on a filing, and the day its tick next has work (`wake_on`):
a fee is exactly the amount due (surcharge included), recorded with who paid it; a deadline
without a fee takes no payment; financing is asked once per deadline and source, for an open
fee, under a Competition Sub-Fund purpose or as a loan."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ip_counsel.config import Settings
from ip_counsel.domain.deadline_book import FilingStatus
from ip_counsel.domain.deadlines import Outcome
from ip_counsel.domain.filings import FeePayment, Filing, FinancingSource, Payer
from ip_counsel.service_layer.filings import FEES, RESPONSES, USE_DECLARATION
from megp_common.contracts import ip_counsel as ev
from megp_common.refusals import RuleViolation, StateConflict

RULES = Settings().filing_rules
DAY = timedelta(days=1)
FILED = date(2024, 1, 10)
ALLOWED = date(2025, 3, 3)
PAID = date(2025, 3, 10)


def drafted(code: str = "patent") -> Filing:
    return Filing.draft(
        id="f-1",
        disclosure_id="d-1",
        filing_type=code,
        rule=RULES.rule_for(code),
        reminder_days=RULES.reminder_days,
        inventors=["p-1", "p-2"],
        disclosure_recorded_on=date(2024, 1, 5),
        today=date(2024, 1, 5),
        group_id="g-1",
        state="09",
    )


def allowed() -> Filing:
    f = drafted()
    f.submit("MX/a/2024/000100", FILED, FILED)
    f.meet("priority", date(2024, 6, 1), date(2024, 6, 1))
    f.publish(date(2024, 7, 10), date(2024, 7, 10))
    f.start_examination(date(2024, 8, 1), date(2024, 8, 1))
    f.allow(ALLOWED, ALLOWED)
    f.clear_pending()
    return f


def paid(amount: str, on: date = PAID, deadline: str = "grant_fee") -> FeePayment:
    return FeePayment(
        deadline_id=deadline,
        amount=Decimal(amount),
        paid_on=on,
        paid_by=Payer.ODF,
        payer="s-1",
        odf_id="odf-1",
    )


def events(f: Filing) -> list[object]:
    return [r.payload for r in f.pending_events()]


def test_the_grant_fee_is_paid_exactly_and_who_paid_is_recorded() -> None:
    f = allowed()
    with pytest.raises(RuleViolation, match=r"costs 9000\.00 MXN, not 8999\.99"):
        f.settle("grant_fee", PAID, PAID, FEES, paid("8999.99"))
    with pytest.raises(RuleViolation, match="say who paid it"):
        f.settle("grant_fee", PAID, PAID, FEES, None)
    assert f.deadline("grant_fee").is_open and f.payments == [] and events(f) == []
    f.settle("grant_fee", PAID, PAID, FEES, paid("9000"))
    assert f.deadline("grant_fee").outcome is Outcome.MET
    (payment,) = f.payments
    assert (payment.paid_by, payment.payer, payment.odf_id) == (Payer.ODF, "s-1", "odf-1")
    fee = next(e for e in events(f) if isinstance(e, ev.FeePaid))
    assert (fee.amount, fee.paid_by, fee.kind) == (Decimal("9000"), "odf", "grant_fee")
    assert any(isinstance(e, ev.DeadlineMet) for e in events(f))


def test_an_act_meets_only_its_kinds_and_a_free_one_takes_no_payment() -> None:
    f = allowed()
    with pytest.raises(RuleViolation, match="grant_fee deadline"):
        f.settle("grant_fee", PAID, PAID, RESPONSES)
    with pytest.raises(RuleViolation, match="grant_fee deadline"):
        f.settle("grant_fee", PAID, PAID, USE_DECLARATION, paid("9000"))
    g = drafted()
    g.submit("MX/a/2024/000100", FILED, FILED)
    g.publish(date(2024, 7, 10), date(2024, 7, 10))
    g.start_examination(date(2024, 8, 1), date(2024, 8, 1))
    g.receive_office_action(date(2024, 9, 2), date(2024, 9, 2))
    answer = "office_action_response-1"
    with pytest.raises(RuleViolation, match="has no fee to pay"):
        g.settle(answer, date(2024, 9, 20), date(2024, 9, 20), FEES, paid("1", date(2024, 9, 20)))
    g.settle(answer, date(2024, 9, 20), date(2024, 9, 20), RESPONSES)
    assert g.deadline(answer).outcome is Outcome.MET and g.payments == []


def test_a_late_annuity_costs_the_surcharge_too() -> None:
    f = allowed()
    f.settle("grant_fee", PAID, PAID, FEES, paid("9000"))
    f.grant("MX 410001", date(2025, 4, 1), date(2025, 4, 1))
    assert f.deadline("annuity-2").due_on == date(2030, 4, 1)
    f.due(date(2030, 4, 2))  # missed: the late period opens with 25 % on the fee
    late = f.deadline("annuity-2-late")
    assert late.amount_due == Decimal("15000.00")
    on = date(2030, 5, 1)
    with pytest.raises(RuleViolation, match=r"costs 15000\.00"):
        f.settle("annuity-2-late", on, on, FEES, paid("12000.00", on, "annuity-2-late"))
    f.settle("annuity-2-late", on, on, FEES, paid("15000.00", on, "annuity-2-late"))
    assert f.deadline("annuity-3").is_open and f.status is FilingStatus.GRANTED


def test_financing_is_asked_once_per_source_under_a_purpose_or_as_a_loan() -> None:
    f = allowed()
    fund = FinancingSource.COMPETITION_FUND
    with pytest.raises(RuleViolation, match="Competition Sub-Fund pays"):
        f.request_financing("grant_fee", fund, None, "p-1", PAID)
    with pytest.raises(RuleViolation, match="Competition Sub-Fund pays"):
        f.request_financing("grant_fee", fund, "trade_fairs_sales_promotion", "p-1", PAID)
    with pytest.raises(RuleViolation, match="names no Competition"):
        f.request_financing("grant_fee", FinancingSource.LOAN, "market_studies", "p-1", PAID)
    assert events(f) == [] and f.financing == []
    f.request_financing("grant_fee", fund, "scientific_technological_research", "p-1", PAID)
    with pytest.raises(StateConflict, match="asked already"):
        f.request_financing("grant_fee", fund, "samples_designs_innovations", "p-2", PAID)
    f.request_financing("grant_fee", FinancingSource.LOAN, None, "p-2", PAID)
    asked = [e for e in events(f) if isinstance(e, ev.FeeFinancingRequested)]
    assert [(e.source, e.purpose, e.amount, e.requested_by) for e in asked] == [
        ("competition_fund", "scientific_technological_research", Decimal("9000.00"), "p-1"),
        ("loan", None, Decimal("9000.00"), "p-2"),
    ]
    assert asked[0].due_on == date(2025, 5, 3) and asked[0].disclosure_id == "d-1"
    f.settle("grant_fee", PAID, PAID, FEES, paid("9000"))
    with pytest.raises(StateConflict, match="not open"):
        f.request_financing("grant_fee", FinancingSource.LOAN, None, "p-1", PAID)


def test_a_deadline_without_a_fee_is_not_financed() -> None:
    f = drafted()
    f.submit("MX/a/2024/000100", FILED, FILED)
    with pytest.raises(RuleViolation, match="no fee to finance"):
        f.request_financing("priority", FinancingSource.LOAN, None, "p-1", FILED)


def test_wake_on_is_the_next_day_the_tick_has_work_and_after_a_tick_it_is_later() -> None:
    f = drafted()
    assert f.wake_on() is None  # no public disclosure: nothing runs yet
    f.submit("MX/a/2024/000100", FILED, FILED)
    priority = f.deadline("priority")
    assert priority.due_on == date(2025, 1, 10)
    assert f.wake_on() == priority.reminders[0] == date(2024, 10, 12)
    for today in (date(2024, 10, 12), date(2024, 12, 11), date(2025, 1, 3), date(2025, 1, 11)):
        assert f.wake_on() == today
        f.due(today)
        woke = f.wake_on()
        assert woke is None or woke > today
    assert priority.outcome is Outcome.MISSED and f.wake_on() is None
    kinds = [type(e).__name__ for e in events(f)]
    assert kinds.count("DeadlineReminderDue") == 3 and kinds.count("DeadlineMissed") == 1


def test_a_titled_right_wakes_the_day_after_its_term_and_an_ended_one_never() -> None:
    f = drafted("trademark")
    f.submit("MX/m/2024/000001", FILED, FILED)
    f.meet("priority", date(2024, 3, 1), date(2024, 3, 1))
    f.publish(date(2024, 3, 2), date(2024, 3, 2))
    f.start_examination(date(2024, 3, 3), date(2024, 3, 3))
    f.allow(date(2024, 4, 1), date(2024, 4, 1))
    f.grant("MX 900001", date(2024, 5, 1), date(2024, 5, 1))
    assert f.wake_on() == min(r for d in f.open_deadlines() for r in d.reminders)
    f.abandon(date(2024, 6, 1), date(2024, 6, 1))
    assert f.wake_on() is None

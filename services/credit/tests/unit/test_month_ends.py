"""The portfolio at a month's end, from what each loan keeps: outstanding principal and days
past due at a past day, equal to today's figures on the day itself, and PAR30 summed over states
as `portfolio_at_risk` computes it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from credit.domain.delinquency import Exposure, portfolio_at_risk
from credit.domain.loan import Loan
from credit.domain.month_ends import StatePortfolio, by_state_on, exposure_on
from credit.domain.schedule import AmortizationMethod

D = Decimal
BOARD = frozenset({"rep"})


def loan(loan_id: str, state: str | None = "09", disbursed: date = date(2030, 1, 10)) -> Loan:
    made = Loan.apply(
        id=loan_id,
        group_id="g1",
        state=state,
        line_id="g1",
        borrower_kind="participant",
        borrower_id="p1",
        amount=D("3000.00"),
        purpose="working capital",
        term_months=3,
        lender="NAFIN",
        applied_on=disbursed,
        method=AmortizationMethod.EQUAL_PRINCIPAL,
    )
    made.approve_by_board("rep", BOARD, disbursed)
    made.approve_by_lender("NAFIN", disbursed)
    made.disburse(disbursed, D("0.12"), first_due=date(2030, 2, 10))
    made.clear_pending()
    return made


def test_before_disbursement_there_is_nothing_and_after_it_the_whole_principal() -> None:
    x = loan("l1")
    assert exposure_on(x, date(2029, 12, 31)) is None
    assert exposure_on(x, date(2030, 1, 31)) == Exposure(D("3000.00"), 0)


def test_an_instalment_settled_after_the_day_still_counts_as_unpaid_on_it() -> None:
    x = loan("l1")
    x.announce_due(date(2030, 2, 10))
    x.announce_due(date(2030, 3, 10))
    x.mark_paid(1, by="borrower", on=date(2030, 4, 5))
    # on 31 March the first instalment (due 10 Feb) was 49 days late and unpaid
    assert exposure_on(x, date(2030, 3, 31)) == Exposure(D("3000.00"), 49)
    # on 30 April the second (due 10 March) is the oldest unpaid: 51 days
    assert exposure_on(x, date(2030, 4, 30)) == Exposure(D("2000.00"), 51)


def test_on_the_day_itself_it_is_what_the_loan_says_today() -> None:
    x = loan("l1")
    for day in (date(2030, 2, 10), date(2030, 2, 28), date(2030, 3, 10), date(2030, 3, 31)):
        x.announce_due(day)
        assert exposure_on(x, day) == Exposure(x.outstanding_principal, x.days_past_due(day))
    x.mark_paid(1, by="borrower", on=date(2030, 3, 31))
    day = date(2030, 3, 31)
    assert exposure_on(x, day) == Exposure(x.outstanding_principal, x.days_past_due(day))


def test_a_loan_repaid_is_gone_after_its_last_payment_and_there_before() -> None:
    x = loan("l1")
    for n, due in enumerate((date(2030, 2, 10), date(2030, 3, 10), date(2030, 4, 10)), 1):
        x.announce_due(due)
        x.mark_paid(n, by="borrower", on=due)
    assert x.outstanding_principal == 0
    assert exposure_on(x, date(2030, 4, 30)) is None
    assert exposure_on(x, date(2030, 3, 31)) == Exposure(D("1000.00"), 0)


def test_states_are_summed_and_par30_is_the_share_more_than_30_days_late() -> None:
    late, current, elsewhere, national = loan("a"), loan("b"), loan("c", "15"), loan("d", None)
    late.announce_due(date(2030, 2, 10))
    current.announce_due(date(2030, 2, 10))
    current.mark_paid(1, by="borrower", on=date(2030, 2, 10))
    rows = by_state_on([late, current, elsewhere, national], date(2030, 3, 31))
    assert [r.state_code for r in rows] == ["", "09", "15"]
    mexico_city = rows[1]
    assert mexico_city.loans == 2
    assert mexico_city.outstanding_principal == D("5000.00")
    # `late` is 49 days past due on 31 March (and its second instalment is due too)
    assert mexico_city.buckets == {"31-60": D("3000.00"), "1-30": D("2000.00")}
    exposures = [exposure_on(x, date(2030, 3, 31)) for x in (late, current)]
    assert mexico_city.par30 == portfolio_at_risk(e for e in exposures if e) == D("0.6")
    total = StatePortfolio("all")
    for row in rows:
        total.merge(row)
    assert total.loans == 4
    assert total.outstanding_principal == D("11000.00")
    assert total.par30 == D("9000.00") / D("11000.00")
    assert StatePortfolio("09").par30 == 0

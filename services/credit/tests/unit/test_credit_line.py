from decimal import Decimal

from credit.domain.credit_line import LineTerms, PeriodConduct, ReviewOutcome, opening_limit, review
from credit.domain.delinquency import Exposure, bucket, days_past_due, portfolio_at_risk

TERMS = LineTerms()
ON_TIME = PeriodConduct(0, 0)


def test_a_line_that_is_always_repaid_doubles_every_review_up_to_64_times_the_deposit() -> None:
    deposit = Decimal("1000.00")
    limit = opening_limit(deposit, TERMS)
    assert limit == Decimal("2000.00")
    history = []
    for _month in range(6, 31, 6):  # 30 simulated months: five reviews
        outcome, limit, reason = review(limit, deposit, ON_TIME, TERMS)
        history.append((outcome, limit))
    assert [lim for _, lim in history] == [
        Decimal(v) for v in ("4000.00", "8000.00", "16000.00", "32000.00", "64000.00")
    ]
    assert history[-1][0] is ReviewOutcome.DOUBLED
    outcome, limit, reason = review(limit, deposit, ON_TIME, TERMS)
    assert (outcome, limit) == (ReviewOutcome.HELD, Decimal("64000.00"))
    assert "cap" in reason


def test_doubling_stops_exactly_at_the_cap() -> None:
    outcome, limit, reason = review(Decimal("48000.00"), Decimal("1000.00"), ON_TIME, TERMS)
    assert (outcome, limit) == (ReviewOutcome.DOUBLED, Decimal("64000.00"))
    assert "capped" in reason


def test_late_but_cured_holds_and_still_overdue_halves() -> None:
    held = review(Decimal("8000.00"), Decimal("1000.00"), PeriodConduct(2, 0), TERMS)
    assert held[:2] == (ReviewOutcome.HELD, Decimal("8000.00"))
    halved = review(Decimal("8000.00"), Decimal("1000.00"), PeriodConduct(2, 1), TERMS)
    assert halved[:2] == (ReviewOutcome.HALVED, Decimal("4000.00"))
    assert "still overdue" in halved[2]


def test_delinquency_buckets_and_par30() -> None:
    from datetime import date

    assert days_past_due(None, date(2027, 5, 1)) == 0
    assert days_past_due(date(2027, 4, 1), date(2027, 5, 1)) == 30
    assert [bucket(d) for d in (0, 1, 30, 31, 60, 61, 90, 91, 400)] == [
        "current",
        "1-30",
        "1-30",
        "31-60",
        "31-60",
        "61-90",
        "61-90",
        "90+",
        "90+",
    ]
    par = portfolio_at_risk(
        [Exposure(Decimal("100"), 0), Exposure(Decimal("300"), 31), Exposure(Decimal("600"), 30)]
    )
    assert par == Decimal("0.3")
    assert portfolio_at_risk([]) == 0


def test_review_dates_count_from_the_opening_and_do_not_drift() -> None:
    from datetime import date

    from credit.domain.line import CreditLine

    line = CreditLine.open(
        group_id="g",
        state="09",
        odf_id="o",
        lender="NAFIN",
        initial_deposit=Decimal("100.00"),
        opened_on=date(2030, 3, 31),
        terms=TERMS,
    )
    while line.review(date(2033, 4, 1), ON_TIME, TERMS):
        pass
    assert [r.reviewed_on for r in line.reviews] == [
        date(2030, 9, 30),
        date(2031, 3, 31),
        date(2031, 9, 30),
        date(2032, 3, 31),
        date(2032, 9, 30),
        date(2033, 3, 31),
    ]
    assert line.next_review_on == date(2033, 9, 30)
    assert [e.payload.event_type for e in line.pending_events()] == (
        ["credit.CreditLineOpened"] + ["credit.CreditLineReviewed"] * 6
    )

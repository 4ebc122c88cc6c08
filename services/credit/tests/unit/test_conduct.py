"""How a review and the 1.5 x ceiling read the instalments: every instalment still overdue at a
review counts, whenever it fell due [¶80]; a loan the fund paid is on time for its borrower only
when they replenished the fund in time [¶84]; a review judges settled payments by the day they
were settled, and waits for a payment request still in flight."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from credit.domain.conduct import conduct_in
from credit.domain.credit_line import LineTerms
from credit.domain.line import CreditLine
from credit.domain.loan import Loan

TERMS = LineTerms()
BOARD = frozenset({"rep-1"})


def odf_loan(term: int, disbursed_on: date, first_due: date, loan_id: str = "loan-1") -> Loan:
    loan = Loan.apply(
        id=loan_id,
        group_id="g-1",
        state="09",
        line_id="g-1",
        borrower_kind="odf",
        borrower_id="odf-1",
        amount=Decimal("3000.00"),
        purpose="working capital",
        term_months=term,
        lender="NAFIN",
        applied_on=disbursed_on,
    )
    loan.approve_by_board("rep-1", BOARD, disbursed_on)
    loan.approve_by_lender("NAFIN", disbursed_on)
    loan.disburse(disbursed_on, Decimal("0.12"), first_due=first_due)
    loan.clear_pending()
    return loan


def opened_line() -> CreditLine:
    return CreditLine.open(
        group_id="g-1",
        state="09",
        odf_id="odf-1",
        lender="NAFIN",
        initial_deposit=Decimal("1000.00"),
        opened_on=date(2030, 3, 31),
        terms=TERMS,
    )


def review_all(line: CreditLine, loans: list[Loan], today: date) -> None:
    """What the scheduler does: every review owed by `today`, each on what it may judge."""
    while line.next_review_on <= today:
        start, end = line.review_period()
        conduct = conduct_in(loans, start, end)
        assert conduct is not None, "nothing is in flight in these tests"
        assert line.review(today, conduct, TERMS)


def outcomes(line: CreditLine) -> list[tuple[str, str]]:
    return [(r.reviewed_on.isoformat(), r.outcome) for r in line.reviews]


# -- defect 1: an instalment overdue since an earlier period still counts --------------------------


def test_an_instalment_overdue_for_months_halves_every_review_until_it_is_paid() -> None:
    line = opened_line()
    loan = odf_loan(3, date(2030, 6, 15), first_due=date(2030, 7, 15))
    loan.announce_due(date(2030, 9, 15))
    loan.mark_overdue(1, "the fund could not cover it")
    loan.mark_paid(2, "fund", date(2030, 8, 15))
    loan.mark_paid(3, "fund", date(2030, 9, 15))
    review_all(line, [loan], date(2032, 3, 31))
    assert loan.days_past_due(date(2031, 6, 14)) == 334
    # halved at the first review, and at each later one while it stays unpaid (not doubled
    # because nothing fell due in those six months)
    assert outcomes(line) == [
        ("2030-09-30", "halved"),
        ("2031-03-31", "halved"),
        ("2031-09-30", "halved"),
        ("2032-03-31", "halved"),
    ]
    assert all("still overdue" in r.reason for r in line.reviews)
    assert "days past due" in line.reviews[-1].reason
    assert [r.limit for r in line.reviews] == [
        Decimal("1000.00"),
        Decimal("500.00"),
        Decimal("250.00"),
        Decimal("125.00"),
    ]
    # the borrower pays it at last: the period it was cured in holds, the next one doubles
    loan.mark_paid(1, "borrower", date(2032, 4, 10))
    review_all(line, [loan], date(2033, 3, 31))
    assert outcomes(line)[4:] == [("2032-09-30", "held"), ("2033-03-31", "doubled")]
    assert "late but are cured" in line.reviews[4].reason


# -- defect 2: the fund paid, the borrower never replenished ------------------------------------


def test_a_loan_the_fund_paid_is_not_on_time_for_a_borrower_who_has_not_replenished() -> None:
    loan = odf_loan(2, date(2030, 6, 15), first_due=date(2030, 7, 15))
    loan.announce_due(date(2030, 8, 15))
    loan.mark_paid(1, "fund", date(2030, 7, 15))
    loan.mark_paid(2, "fund", date(2030, 8, 15))
    # the lender is paid: the loan is repaid and frees the line; the borrower's record is open
    assert loan.status == "repaid" and loan.outstanding_principal == 0
    assert loan.on_time is not True
    assert loan.on_time is None


def test_replenishing_after_the_grace_period_is_late_and_so_is_a_notice() -> None:
    from credit.domain.replenishment import FundRepayments

    on_time = odf_loan(2, date(2030, 6, 15), first_due=date(2030, 7, 15), loan_id="a")
    never = odf_loan(2, date(2030, 6, 15), first_due=date(2030, 7, 15), loan_id="b")
    book = FundRepayments(id="g-1")
    for loan in (on_time, never):
        loan.announce_due(date(2030, 8, 15))
        for n, day in ((1, date(2030, 7, 15)), (2, date(2030, 8, 15))):
            loan.mark_paid(n, "fund", day)
            book.paid(loan.id, n, "odf-1" if loan is on_time else "member-9", loan.total(n), day)
    # the ODF pays back both, the second 30 days after the fund paid it (the grace period)
    total_a = on_time.total(1) + on_time.total(2)
    covered = book.replenished("odf-1", total_a, Decimal("0"), date(2030, 9, 14))
    assert covered == [("a", 1, date(2030, 9, 14)), ("a", 2, date(2030, 9, 14))]
    for loan_id, n, day in covered:
        assert loan_id == "a"
        on_time.mark_replenished(n, day, grace_days=30)
    # instalment 1 was replenished 61 days after the fund paid it: late
    assert on_time.on_time is False
    # the member never replenishes: the board's notice of non-fulfillment judges both late
    noticed = book.noticed("member-9", date(2030, 8, 20))
    assert noticed == [("b", 1), ("b", 2)]
    for _loan_id, n in noticed:
        never.mark_not_replenished(n, date(2030, 8, 20))
    assert never.on_time is False
    repaid = [e.payload for e in never.pending_events() if e.payload.event_type.endswith("Repaid")]
    assert [p.on_time for p in repaid] == [False]  # type: ignore[attr-defined]


def test_replenishing_each_instalment_within_the_grace_period_repays_on_time() -> None:
    from credit.domain.replenishment import FundRepayments

    loan = odf_loan(2, date(2030, 6, 15), first_due=date(2030, 7, 15))
    book = FundRepayments(id="g-1")
    loan.announce_due(date(2030, 8, 15))
    for n, paid, back in ((1, date(2030, 7, 15), date(2030, 7, 20)), (2, date(2030, 8, 15), None)):
        loan.mark_paid(n, "fund", paid)
        book.paid(loan.id, n, "odf-1", loan.total(n), paid)
        if back:  # a part first, then the rest: covered when the whole amount is back
            half = (loan.total(n) / 2).quantize(Decimal("0.01"))
            assert book.replenished("odf-1", half, loan.total(n) - half, back) == []
            for _lid, m, day in book.replenished("odf-1", loan.total(n) - half, Decimal(0), back):
                loan.mark_replenished(m, day, grace_days=30)
    assert loan.on_time is None  # instalment 2 not replenished yet, its grace not over
    assert loan.judge_replenishments(date(2030, 9, 14), grace_days=30) is False
    for _lid, m, day in book.replenished("odf-1", loan.total(2), Decimal(0), date(2030, 9, 1)):
        loan.mark_replenished(m, day, grace_days=30)
    assert loan.on_time is True
    assert [i.replenished_on for i in loan.instalments] == [date(2030, 7, 20), date(2030, 9, 1)]


def test_a_grace_period_that_ends_without_replenishment_makes_the_loan_late() -> None:
    loan = odf_loan(1, date(2030, 6, 15), first_due=date(2030, 7, 15))
    loan.announce_due(date(2030, 7, 15))
    loan.mark_paid(1, "fund", date(2030, 7, 15))
    assert loan.awaiting_replenishment_since() == date(2030, 7, 15)
    assert loan.judge_replenishments(date(2030, 8, 14), grace_days=30) is False
    assert loan.on_time is None
    assert loan.judge_replenishments(date(2030, 8, 15), grace_days=30) is True
    assert loan.on_time is False and loan.awaiting_replenishment_since() is None


# -- defect 3: a review judges what was settled by its date, and waits for what is in flight -----


def test_a_review_waits_for_an_instalment_whose_payment_request_is_in_flight() -> None:
    line = opened_line()
    loan = odf_loan(3, date(2030, 6, 15), first_due=date(2030, 7, 15))
    loan.announce_due(date(2030, 7, 15))
    loan.mark_paid(1, "fund", date(2030, 7, 15))
    # the clock jumps past the review: instalments 2 and 3 are announced, funds has not answered
    loan.announce_due(date(2030, 10, 1))
    start, end = line.review_period()
    assert conduct_in([loan], start, end) is None
    # funds answers for both (its own clock still said September for one of them)
    loan.mark_paid(2, "fund", date(2030, 9, 29), recorded_on=date(2030, 10, 1))
    assert conduct_in([loan], start, end) is None  # instalment 3 is still in flight
    loan.mark_paid(3, "fund", date(2030, 10, 1))
    conduct = conduct_in([loan], start, end)
    assert conduct is not None
    # 2 was settled 45 days late but before the review: cured; 3 due 2030-09-15 was settled only
    # after the review date, so at the review it was still overdue
    assert (conduct.instalments_overdue_in_period, conduct.instalments_still_overdue) == (2, 1)
    second, third = loan.instalments[1], loan.instalments[2]
    assert (second.settled_on, second.recorded_on) == (date(2030, 9, 29), date(2030, 10, 1))
    assert third.settled_on == date(2030, 10, 1) and third.was_late
    paid = [e.payload for e in loan.pending_events() if e.payload.event_type.endswith("Paid")]
    assert [p.days_late for p in paid] == [0, 45, 16]  # type: ignore[attr-defined]


def test_a_chain_settled_months_late_keeps_how_late_it_was() -> None:
    loan = odf_loan(1, date(2030, 6, 15), first_due=date(2030, 7, 15))
    loan.announce_due(date(2030, 7, 15))
    loan.mark_paid(1, "fund", date(2030, 11, 2))
    inst = loan.instalments[0]
    assert inst.settled_on == date(2030, 11, 2) and inst.days_late == 110 and inst.was_late
    line = opened_line()
    start, end = line.review_period()
    conduct = conduct_in([loan], start, end)
    assert conduct is not None and conduct.instalments_still_overdue == 1


def test_the_line_shows_what_its_deferred_review_waits_for() -> None:
    from credit.domain.conduct import in_flight

    line = opened_line()
    loan = odf_loan(2, date(2030, 6, 15), first_due=date(2030, 7, 15))
    loan.announce_due(date(2030, 10, 1))
    start, end = line.review_period()
    assert conduct_in([loan], start, end) is None
    line.wait_for(in_flight([loan], end))
    assert line.review_waits_for == ["loan-1#1", "loan-1#2"] and line.changed_waiting
    loan.mark_paid(1, "fund", date(2030, 7, 15))
    loan.mark_paid(2, "fund", date(2030, 8, 15))
    conduct = conduct_in([loan], start, end)
    assert conduct is not None
    assert line.review(date(2030, 10, 1), conduct, TERMS)
    assert line.review_waits_for == [] and outcomes(line) == [("2030-09-30", "doubled")]


def test_the_fund_book_covers_the_oldest_first_and_all_when_nothing_is_owed() -> None:
    from credit.domain.replenishment import FundRepayments

    book = FundRepayments(id="g-1")
    book.paid("a", 1, "odf-1", Decimal("100.00"), date(2030, 7, 15))
    book.paid("a", 1, "odf-1", Decimal("100.00"), date(2030, 7, 15))  # the same, redelivered
    book.paid("b", 1, "member-1", Decimal("70.00"), date(2030, 7, 20))
    book.paid("a", 2, "odf-1", Decimal("100.00"), date(2030, 8, 15))
    assert len(book.items) == 3
    assert book.replenished("odf-1", Decimal("150.00"), Decimal("50.00"), date(2030, 8, 20)) == [
        ("a", 1, date(2030, 8, 20))
    ]
    # a notice finds what is still open in the borrower's stretch, an instalment the fund paid
    # after the notice's day too (noticed on its own day); a second notice finds nothing more
    assert book.noticed("odf-1", date(2030, 8, 14)) == [("a", 2)]
    assert book.items[2].noticed_on == date(2030, 8, 15)
    assert book.noticed("odf-1", date(2030, 8, 21)) == []
    # funds says the ODF owes nothing more: whatever is left of theirs is covered
    covered = book.replenished("odf-1", Decimal("50.00"), Decimal("0.00"), date(2030, 9, 1))
    assert covered == [("a", 2, date(2030, 9, 1))]
    assert [(i.loan_id, i.number) for i in book.to_carry()] == [("a", 1), ("a", 2)]
    book.carried({("a", 1), ("a", 2)})
    assert book.to_carry() == [] and book.items[1].replenished_on is None  # the member's


def test_a_notice_heard_before_the_payment_of_its_day_covers_that_payment_too() -> None:
    """Funds issues one notice per unpaid stretch: on the day it pays a borrower's second
    instalment it may issue the notice first; the second is then part of the noticed stretch
    (no other notice will come for it), whichever of the two credit hears first."""
    from credit.domain.replenishment import FundRepayments

    def book_in(order: str) -> FundRepayments:
        book = FundRepayments(id="g-1")
        book.paid("a", 1, "member-1", Decimal("100.00"), date(2034, 5, 1))
        events = [
            lambda: book.paid("a", 2, "member-1", Decimal("100.00"), date(2034, 6, 1)),
            lambda: book.noticed("member-1", date(2034, 6, 1)),
        ]
        for act in events if order == "paid first" else reversed(events):
            act()
        return book

    for order in ("paid first", "notice first"):
        book = book_in(order)
        assert [(i.number, i.noticed_on) for i in book.items] == [
            (1, date(2034, 6, 1)),
            (2, date(2034, 6, 1)),
        ], order
        assert [(i.loan_id, i.number) for i in book.to_carry()] == [("a", 1), ("a", 2)]
    # the stretch ends when the member owes nothing: a later payment is not under notice
    book = book_in("notice first")
    book.replenished("member-1", Decimal("200.00"), Decimal("0"), date(2034, 7, 1))
    book.paid("a", 3, "member-1", Decimal("100.00"), date(2034, 8, 1))
    assert book.items[2].noticed_on is None and book.under_notice == {}

"""Banks as lenders [¶83, ¶90]: the lender of record and its history, a takeover offered and
consented, the loans it moves, the payee of each instalment, and a lender's creditworthiness
view computed by hand on a small portfolio."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit.domain.credit_line import LineTerms, PeriodConduct
from credit.domain.creditworthiness import creditworthiness, vintages
from credit.domain.errors import CreditRuleViolation, InvalidTransition
from credit.domain.line import CreditLine
from credit.domain.loan import Loan, LoanStatus
from credit.domain.schedule import AmortizationMethod

D = Decimal
BOARD = frozenset({"rep"})
TERMS = LineTerms()


def line(group: str = "g1", lender: str = "NAFIN", opened: date = date(2029, 12, 1)) -> CreditLine:
    made = CreditLine.open(
        group_id=group,
        state="09",
        odf_id=f"odf-{group}",
        lender=lender,
        initial_deposit=D("1000.00"),
        opened_on=opened,
        terms=TERMS,
    )
    made.clear_pending()
    return made


def loan(
    loan_id: str,
    group: str,
    amount: str,
    term: int,
    disbursed_on: date,
    first_due: date,
    lender: str = "NAFIN",
    borrower: str = "p1",
) -> Loan:
    made = Loan.apply(
        id=loan_id,
        group_id=group,
        state="09",
        line_id=group,
        borrower_kind="participant",
        borrower_id=borrower,
        amount=D(amount),
        purpose="working capital",
        term_months=term,
        lender=lender,
        applied_on=disbursed_on,
        method=AmortizationMethod.EQUAL_PRINCIPAL,
    )
    made.approve_by_board("rep", BOARD, disbursed_on)
    made.approve_by_lender(lender, disbursed_on)
    made.disburse(disbursed_on, D("0.12"), first_due=first_due)
    made.clear_pending()
    return made


def events(aggregate: CreditLine | Loan) -> list[tuple[str, dict[str, object]]]:
    return [(e.payload.event_type, e.payload.model_dump()) for e in aggregate.pending_events()]


# -- the takeover


def test_a_takeover_offered_and_consented_takes_effect_on_its_day_with_the_history() -> None:
    g1 = line()
    g1.offer_takeover("Banorte", date(2030, 6, 10), date(2030, 6, 5), "bank-officer")
    assert g1.takeover_offer is not None and g1.lender_on(date(2030, 6, 10)) == "NAFIN"
    agreed = g1.consent_to_takeover(date(2030, 6, 6))
    assert (agreed.lender, agreed.since, agreed.announced) == ("Banorte", date(2030, 6, 10), False)
    # from its day the bank is the lender of record, before and after it takes effect
    assert g1.lender_on(date(2030, 6, 9)) == "NAFIN"
    assert g1.lender_on(date(2030, 6, 10)) == "Banorte"
    assert g1.lender == "NAFIN" and g1.takeover_due(date(2030, 6, 9)) is None
    assert g1.takeover_due(date(2030, 6, 10)) is agreed
    g1.take_over(["l1"])
    assert g1.lender == "Banorte" and g1.agreed_takeover is None
    [(kind, data)] = events(g1)
    assert kind == "credit.CreditLineTakenOver"
    assert (data["previous_lender"], data["lender"], data["loan_ids"]) == (
        "NAFIN",
        "Banorte",
        ["l1"],
    )
    assert (data["effective_on"], data["agreed_on"]) == (date(2030, 6, 10), date(2030, 6, 6))
    assert [(x.lender, x.since) for x in g1.lenders] == [
        ("NAFIN", date(2029, 12, 1)),
        ("Banorte", date(2030, 6, 10)),
    ]
    # a document stored before the history: its lender since the opening
    old = CreditLine.model_validate(g1.model_dump(exclude={"lenders"}) | {"lender": "NAFIN"})
    assert [(x.lender, x.since) for x in old.lenders] == [("NAFIN", date(2029, 12, 1))]


def test_a_takeover_refused_for_a_past_day_the_same_lender_or_a_second_bank() -> None:
    g1 = line()
    g1.review(date(2030, 6, 1), PeriodConduct(0, 0), TERMS)
    with pytest.raises(CreditRuleViolation, match="today or later"):
        g1.offer_takeover("Banorte", date(2030, 6, 4), date(2030, 6, 5), "x")
    with pytest.raises(InvalidTransition, match="already the lender"):
        g1.offer_takeover("NAFIN", date(2030, 7, 1), date(2030, 6, 5), "x")
    g1.offer_takeover("Banorte", date(2030, 7, 1), date(2030, 6, 5), "x")
    with pytest.raises(InvalidTransition, match="offered to take this line over first"):
        g1.offer_takeover("BBVA", date(2030, 7, 1), date(2030, 6, 5), "y")
    g1.offer_takeover("Banorte", date(2030, 8, 1), date(2030, 6, 6), "x")  # its own, again
    assert g1.takeover_offer is not None and g1.takeover_offer.effective_on == date(2030, 8, 1)
    # consent after the offer's day: the bank offers again
    with pytest.raises(CreditRuleViolation, match="has passed"):
        g1.consent_to_takeover(date(2030, 8, 2))
    assert g1.decline_takeover().lender == "Banorte" and g1.takeover_offer is None
    with pytest.raises(InvalidTransition, match="no bank has offered"):
        g1.consent_to_takeover(date(2030, 6, 7))
    g1.offer_takeover("Banorte", date(2030, 7, 1), date(2030, 6, 7), "x")
    g1.consent_to_takeover(date(2030, 6, 7))
    with pytest.raises(InvalidTransition, match="passes to Banorte"):
        g1.offer_takeover("BBVA", date(2030, 9, 1), date(2030, 6, 8), "y")


def test_loans_move_with_the_line_and_each_instalment_names_its_lender_of_record() -> None:
    b = loan("B", "g1", "600.00", 3, date(2030, 3, 10), date(2030, 4, 10))
    b.mark_paid(1, "fund", date(2030, 4, 12))
    b.announce_due(date(2030, 5, 11))
    due = [d for k, d in events(b) if k == "credit.InstallmentDue"]
    assert [(d["installment_number"], d["lender"]) for d in due] == [(2, "NAFIN")]
    b.clear_pending()
    assert b.pass_to("Banorte", date(2030, 6, 10)) and not b.pass_to("Banorte", date(2030, 6, 10))
    assert b.lender == "Banorte" and b.status is LoanStatus.ACTIVE
    b.announce_due(date(2030, 6, 10))
    due = [d for k, d in events(b) if k == "credit.InstallmentDue"]
    assert [(d["installment_number"], d["lender"]) for d in due] == [(3, "Banorte")]
    # what fell due before the takeover was the previous lender's, paid late or not
    b.mark_paid(2, "fund", date(2030, 6, 15))
    b.mark_paid(3, "fund", date(2030, 6, 15), payee="Banorte")
    assert [i.payee for i in b.instalments] == ["NAFIN", "NAFIN", "Banorte"]
    # a loan approved by the previous lender but not disbursed waits for the new one's approval
    pending = Loan.apply(
        id="P",
        group_id="g1",
        state="09",
        line_id="g1",
        borrower_kind="odf",
        borrower_id="odf-g1",
        amount=D("100.00"),
        purpose="working capital",
        term_months=2,
        lender="NAFIN",
        applied_on=date(2030, 6, 1),
    )
    pending.approve_by_board("rep", BOARD, date(2030, 6, 1))
    pending.approve_by_lender("NAFIN", date(2030, 6, 2))
    assert pending.status is LoanStatus.APPROVED
    assert pending.pass_to("Banorte", date(2030, 6, 10))
    assert (pending.status, pending.lender_approved, pending.board_approved_by) == (
        LoanStatus.APPLIED,
        False,
        "rep",
    )
    pending.approve_by_lender("Banorte", date(2030, 6, 11))
    assert pending.status is LoanStatus.APPROVED
    # a repaid loan stays with the lender it repaid
    a = loan("A", "g1", "300.00", 1, date(2030, 1, 15), date(2030, 2, 15))
    a.mark_paid(1, "borrower", date(2030, 2, 15))
    assert a.status is LoanStatus.REPAID and not a.pass_to("Banorte", date(2030, 6, 10))


# -- the creditworthiness view, computed by hand


def portfolio() -> tuple[list[Loan], list[CreditLine]]:
    """As of 2030-06-20. Equal principal at 12 % (1 % a month), so every figure is round.

    g1 (NAFIN's line, raised 2000 -> 4000 at its 2030-06-01 review, taken over by Banorte
    from 2030-06-10):
      A  1200.00, 3 x 400, disbursed 2030-01-15, due Feb 15, Mar 15, Apr 15, each paid on its
         day by the borrower: repaid on time (a step-up to 1800.00), stays NAFIN's.
      B   600.00, 3 x 200, disbursed 2030-03-10, due Apr 10 (paid Apr 12: 2 days late), May 10
         and Jun 10 unpaid: 41 days past due, 400.00 outstanding; moved to Banorte.
    g2 (Banorte's line from its opening, no review):
      C  1000.00, 2 x 500, disbursed 2030-02-01, due Mar 1 and Apr 1, both unpaid: 111 days.
      D   800.00, 4 x 200, disbursed 2030-06-01, first due Jul 1: current.
    """
    g1 = line("g1")
    g1.review(date(2030, 6, 1), PeriodConduct(0, 0), TERMS)
    g1.offer_takeover("Banorte", date(2030, 6, 10), date(2030, 6, 5), "bank")
    g1.consent_to_takeover(date(2030, 6, 5))
    g2 = line("g2", lender="Banorte", opened=date(2030, 1, 31))

    a = loan("A", "g1", "1200.00", 3, date(2030, 1, 15), date(2030, 2, 15))
    for n, day in ((1, date(2030, 2, 15)), (2, date(2030, 3, 15)), (3, date(2030, 4, 15))):
        a.announce_due(day)
        a.mark_paid(n, "borrower", day)
    b = loan("B", "g1", "600.00", 3, date(2030, 3, 10), date(2030, 4, 10), borrower="p2")
    b.announce_due(date(2030, 4, 10))
    b.mark_paid(1, "borrower", date(2030, 4, 12))
    b.announce_due(date(2030, 5, 10))
    b.mark_overdue(2, "the fund holds less than the instalment")
    c = loan("C", "g2", "1000.00", 2, date(2030, 2, 1), date(2030, 3, 1), "Banorte", "p3")
    c.announce_due(date(2030, 4, 1))
    d = loan("D", "g2", "800.00", 4, date(2030, 6, 1), date(2030, 7, 1), "Banorte", "p4")
    loans = [a, b, c, d]
    for x in loans:
        x.pass_to("Banorte", date(2030, 6, 10))
    b.announce_due(date(2030, 6, 10))
    g1.take_over(["B"])
    return loans, [g1, g2]


def test_the_banks_creditworthiness_view_by_hand() -> None:
    loans, lines = portfolio()
    by_group = {"g1": loans[:2], "g2": loans[2:]}
    view = creditworthiness("Banorte", loans, lines, by_group, date(2030, 6, 20), D("1.5"))
    # outstanding: B 400 + C 1000 + D 800; more than 30 days: B and C; more than 90: C
    assert view.outstanding_principal == D("2200.00")
    assert view.par30 == D("0.6364")  # 1400 / 2200
    assert view.par90 == D("0.4545")  # 1000 / 2200
    assert (view.loans, view.groups, view.step_ups_earned, view.line_raises) == (3, 2, 1, 1)
    curves = {v.month: (v.loans, v.disbursed, v.repaid_share) for v in view.vintages}
    assert curves == {
        "2030-02": (1, D("1000.00"), [D("0.0000")] * 5),  # C: nothing by Feb..Jun
        "2030-03": (1, D("600.00"), [D("0.0000"), D("0.3333"), D("0.3333"), D("0.3333")]),
        "2030-06": (1, D("800.00"), [D("0.0000")]),
    }
    g1, g2 = view.records
    assert (g1.group_id, g1.loans, g1.active_loans, g1.repaid_loans) == ("g1", 2, 1, 1)
    assert g1.outstanding_principal == D("400.00")
    # A: 3 on time; B: 1 two days late, 2 unpaid (May 10: 41 days, Jun 10: 10 days)
    assert (g1.instalments_due, g1.paid_on_time, g1.paid_late, g1.unpaid) == (6, 3, 1, 2)
    assert (g1.days_late_total, g1.days_late_max, g1.days_past_due) == (53, 41, 41)
    assert g1.current_state == "31-60"
    [step] = g1.step_ups
    assert (step.loan_id, step.amount, step.may_borrow_up_to) == ("A", D("1200.00"), D("1800.00"))
    [raised] = g1.line_raises
    assert (raised.reviewed_on, raised.previous_limit, raised.limit, raised.lender) == (
        date(2030, 6, 1),
        D("2000.00"),
        D("4000.00"),
        "NAFIN",
    )
    assert (g2.loans, g2.active_loans, g2.outstanding_principal) == (2, 2, D("1800.00"))
    # C: Mar 1 and Apr 1 unpaid: 111 and 80 days
    assert (g2.instalments_due, g2.paid_on_time, g2.paid_late, g2.unpaid) == (2, 0, 0, 2)
    assert (g2.days_late_total, g2.days_late_max, g2.days_past_due) == (191, 111, 111)
    assert g2.current_state == "90+" and g2.step_ups == [] and g2.line_raises == []


def test_nafin_keeps_the_loan_repaid_before_the_takeover() -> None:
    loans, lines = portfolio()
    view = creditworthiness("NAFIN", loans, lines, {"g1": loans[:2]}, date(2030, 6, 20), D("1.5"))
    assert (view.outstanding_principal, view.par30, view.par90) == (D("0.00"), D(0), D(0))
    [vintage] = view.vintages
    # A: 400 repaid by Feb 28, 800 by Mar 31, 1200 by Apr 30
    assert vintage.month == "2030-01" and vintage.repaid_share == [
        D("0.0000"),
        D("0.3333"),
        D("0.6667"),
        D("1.0000"),
        D("1.0000"),
        D("1.0000"),
    ]
    [g1] = view.records
    assert (g1.group_id, g1.loans, g1.current_state) == ("g1", 2, "31-60")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=500).map(lambda n: D(n) * 10),
            st.integers(min_value=1, max_value=6),
            st.integers(min_value=0, max_value=9),
            st.lists(st.integers(min_value=0, max_value=60), min_size=6, max_size=6),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_every_vintage_curve_rises_within_zero_and_one_to_what_was_repaid(
    drawn: list[tuple[Decimal, int, int, list[int]]],
) -> None:
    today = date(2031, 6, 30)
    loans = []
    for k, (amount, term, start, delays) in enumerate(drawn):
        on = date(2030, 1 + start, 5)
        x = loan(f"L{k}", "g", str(amount), term, on, date(2030, 2 + start, 5))
        for inst, delay in zip(x.instalments, delays, strict=False):
            paid_on = inst.due_date + timedelta(days=delay)
            if paid_on <= today and delay < 50:  # some never paid
                x.announce_due(inst.due_date)
                x.mark_paid(inst.number, "borrower", paid_on)
        loans.append(x)
    for v in vintages(loans, today):
        curve = v.repaid_share
        assert curve == sorted(curve) and all(D(0) <= c <= D(1) for c in curve)
        cohort = [
            x for x in loans if x.disbursed_on and x.disbursed_on.strftime("%Y-%m") == v.month
        ]
        repaid = sum((i.principal for x in cohort for i in x.instalments if i.settled_on), D(0))
        assert curve[-1] == (repaid / v.disbursed).quantize(D("0.0001"))

from datetime import date, timedelta
from decimal import Decimal

import pytest

from credit.domain.eligibility import PastLoan, check_application
from credit.domain.errors import CreditRuleViolation, InvalidTransition, NotAuthorized
from credit.domain.loan import InstalmentStatus, Loan, LoanStatus

BOARD = frozenset({"rep-1", "rep-2"})


def new_loan(amount: str = "12000.00", term: int = 3) -> Loan:
    return Loan.apply(
        id="loan-1",
        group_id="g-1",
        state="09",
        line_id="line-1",
        borrower_kind="odf",
        borrower_id="odf-1",
        amount=Decimal(amount),
        purpose="working capital",
        term_months=term,
        lender="NAFIN",
        applied_on=date(2027, 1, 10),
    )


def disbursed(term: int = 3) -> Loan:
    loan = new_loan(term=term)
    loan.approve_by_board("rep-1", BOARD, date(2027, 1, 11))
    loan.approve_by_lender("NAFIN", date(2027, 1, 12))
    loan.disburse(date(2027, 1, 15), Decimal("0.12"), first_due=date(2027, 2, 15))
    loan.clear_pending()
    return loan


def types(loan: Loan) -> list[str]:
    return [e.payload.event_type for e in loan.pending_events()]


def test_approval_needs_the_board_and_the_lender() -> None:
    loan = new_loan()
    loan.approve_by_board("rep-2", BOARD, date(2027, 1, 11))
    assert loan.status is LoanStatus.APPLIED
    loan.approve_by_lender("NAFIN", date(2027, 1, 12))
    assert loan.status is LoanStatus.APPROVED
    assert types(loan) == ["credit.LoanApplied", "credit.LoanApproved"]


def test_nobody_but_a_board_representative_approves() -> None:
    loan = new_loan()
    with pytest.raises(NotAuthorized, match="board representatives"):
        loan.approve_by_board("support-committee-member", BOARD, date(2027, 1, 11))
    with pytest.raises(NotAuthorized, match="lender"):
        loan.approve_by_lender("Some Bank", date(2027, 1, 11))


def test_disbursement_builds_the_schedule_and_instalments_fall_due_once() -> None:
    loan = disbursed()
    assert [i.number for i in loan.instalments] == [1, 2, 3]
    assert loan.outstanding_principal == Decimal("12000.00")
    assert not loan.has_due(date(2027, 2, 14))
    assert loan.announce_due(date(2027, 2, 14)) == []
    assert loan.has_due(date(2027, 2, 15))
    assert loan.announce_due(date(2027, 3, 20)) == [1, 2]
    assert loan.announce_due(date(2027, 3, 20)) == []
    assert types(loan) == ["credit.InstallmentDue", "credit.InstallmentDue"]


def test_a_loan_paid_by_the_fund_on_time_closes_on_time() -> None:
    loan = disbursed()
    loan.announce_due(date(2027, 4, 15))
    for n in (1, 2, 3):  # the trust paid each on its day; credit learnt of them on April 15
        due = loan.instalments[n - 1].due_date
        assert loan.mark_paid(n, "fund", due, recorded_on=date(2027, 4, 15))
    assert not loan.mark_paid(3, "fund", date(2027, 4, 16))  # a second confirmation: nothing
    # the lender is paid; the borrower's record waits for their replenishments of the fund [¶84]
    assert loan.status is LoanStatus.REPAID and loan.on_time is None
    for inst in loan.instalments:  # each paid back within the 30 days' grace
        assert loan.mark_replenished(inst.number, inst.due_date + timedelta(days=30), 30)
    assert loan.status is LoanStatus.REPAID and loan.on_time is True
    assert types(loan)[-1] == "credit.LoanRepaid"
    assert loan.outstanding_principal == 0


def test_an_overdue_instalment_cured_later_makes_the_loan_late() -> None:
    loan = disbursed(term=2)
    loan.announce_due(date(2027, 2, 15))
    assert loan.mark_overdue(1, "the fund could not cover it")
    assert loan.days_past_due(date(2027, 3, 10)) == 23
    assert loan.instalments[0].status is InstalmentStatus.OVERDUE
    loan.mark_paid(1, "borrower", date(2027, 3, 10))
    loan.announce_due(date(2027, 3, 15))
    loan.mark_paid(2, "fund", date(2027, 3, 15))
    assert loan.on_time is False
    paid = [
        e.payload for e in loan.pending_events() if e.payload.event_type == "credit.InstallmentPaid"
    ]
    assert [p.days_late for p in paid] == [23, 0]  # type: ignore[attr-defined]


def test_no_disbursement_before_approval() -> None:
    with pytest.raises(InvalidTransition):
        new_loan().disburse(date(2027, 1, 15), Decimal("0.1"), date(2027, 2, 15))


def test_eligibility_by_line_and_by_last_repaid_loan() -> None:
    check_application(Decimal("1000"), Decimal("1000"), None)
    with pytest.raises(CreditRuleViolation, match="available"):
        check_application(Decimal("1000.01"), Decimal("1000"), None)
    check_application(Decimal("1500"), Decimal("9000"), PastLoan(Decimal("1000"), on_time=True))
    with pytest.raises(CreditRuleViolation, match=r"1\.5 x the last loan"):
        check_application(Decimal("1500.01"), Decimal("9000"), PastLoan(Decimal("1000"), True))
    # a borrower who was late gets no 1.5 x ceiling, only the line's
    check_application(Decimal("5000"), Decimal("9000"), PastLoan(Decimal("1000"), on_time=False))


def test_a_direct_payment_after_the_due_date_is_late_even_before_it_was_marked_overdue() -> None:
    loan = disbursed(term=2)
    loan.announce_due(date(2027, 2, 15))
    loan.mark_paid(1, "borrower", date(2027, 2, 20))
    loan.announce_due(date(2027, 3, 15))
    # the fund paid on the day; its confirmation may come days later
    loan.mark_paid(2, "fund", date(2027, 3, 15), recorded_on=date(2027, 3, 18))
    assert [i.was_late for i in loan.instalments] == [True, False]
    assert loan.on_time is False

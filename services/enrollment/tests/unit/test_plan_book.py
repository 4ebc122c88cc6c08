"""A group's plan book: the latest revision of each plan's terms, and the marks that tell a
reader which members' terms to take from their plans instead."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from enrollment.domain.business_plan import AgreedTerms
from enrollment.domain.plan_book import PlanBook

AT = datetime(2027, 3, 1, 12, tzinfo=UTC)


def _terms(participant_id: str, revision: int = 1, baseline: str = "4000.00") -> AgreedTerms:
    return AgreedTerms(
        id=f"plan-{participant_id}",
        participant_id=participant_id,
        revision=revision,
        baseline_income=Decimal(baseline),
        target_increase=Decimal("600.00"),
        period_months=1,
        start_date=date(2027, 1, 1),
    )


def _book() -> PlanBook:
    return PlanBook(id="g-1", state="09", odf_id="odf-1")


def test_a_later_revision_wins_whatever_the_order_the_writers_settle_in() -> None:
    book = _book()
    book.mark(["p-1"], "second", AT)
    book.mark(["p-1"], "first", AT)
    book.settle([_terms("p-1", 2, "5000.00")], "second")
    book.settle([_terms("p-1", 1)], "first")  # the older writer settles last
    assert book.terms["p-1"].revision == 2
    assert book.terms["p-1"].baseline_income == Decimal("5000.00")
    assert book.marks == {}


def test_a_writer_takes_away_only_its_own_marks() -> None:
    book = _book()
    book.mark(["p-1", "p-2"], "a", AT)
    book.mark(["p-2"], "b", AT)
    book.settle([_terms("p-1"), _terms("p-2")], "a")
    assert list(book.marks) == ["p-2"]
    assert [m.token for m in book.marks["p-2"]] == ["b"]


def test_marked_members_are_answered_from_their_plans() -> None:
    book = _book()
    book.settle([_terms("p-1"), _terms("p-2")], "sheet")
    book.mark(["p-2", "p-3"], "stopped", AT)  # a writer that never settled
    answer = book.overlay({"p-2": _terms("p-2", 2, "4500.00"), "p-3": None})
    assert sorted(answer) == ["p-1", "p-2"]  # p-3's plan was never written
    assert answer["p-2"].revision == 2
    assert book.terms["p-2"].revision == 1  # the book itself is unchanged


def test_only_marks_older_than_the_limit_are_repaired() -> None:
    book = _book()
    book.mark(["p-1"], "stopped", AT)
    book.mark(["p-2"], "running", AT + timedelta(minutes=10))
    plans = {"p-1": _terms("p-1"), "p-2": _terms("p-2")}
    assert book.repair(plans, older_than=AT + timedelta(minutes=5))
    assert list(book.terms) == ["p-1"]
    assert list(book.marks) == ["p-2"]
    assert not book.repair(plans, older_than=AT + timedelta(minutes=5))

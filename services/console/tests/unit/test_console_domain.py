"""The console's pure rules: who sees decision buttons [¶55], how a typed amount is read, how
a service's refusal of a sheet lands next to its lines, and plain words for problems."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from console.domain.problems import plain
from console.domain.rights import Person
from console.domain.sheet import (
    LineOutcome,
    SheetLine,
    amount,
    closing_body,
    deposit_body,
    month_start,
    place_problem,
)


def person(*roles: str) -> Person:
    return Person(subject="x", roles=frozenset(roles), states=frozenset({"09"}))


@pytest.mark.parametrize(
    ("roles", "decides"),
    [
        (("board_representative",), True),
        (("board_representative", "committee_member"), False),
        (("board_representative", "donor_portal"), False),
        (("board_representative", "partner_bank"), False),
        (("donor_portal",), False),
        (("committee_member",), False),
        (("odf_staff",), False),
        (("programme_supervisor",), False),
    ],
)
def test_only_a_board_representative_who_is_nothing_else_that_never_decides_decides(
    roles: tuple[str, ...], decides: bool
) -> None:
    assert person(*roles).decides_for_boards is decides


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("1,234.50", Decimal("1234.50")),
        ("$ 80", Decimal("80.00")),
        ("10500.5", Decimal("10500.50")),
        ("0", Decimal("0.00")),
        ("", None),
        ("   ", None),
    ],
)
def test_an_amount_is_read_as_typed_in_es_mx(typed: str, read: Decimal | None) -> None:
    assert amount(typed) == read


@pytest.mark.parametrize("typed", ["-5", "1.234", "abc", "1e5000", "NaN", "200000000"])
def test_an_amount_that_is_not_one_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        amount(typed)


def test_a_sheet_becomes_a_closing_and_a_deposit_sheet_without_empty_lines() -> None:
    lines = [
        SheetLine("a", Decimal("12000.00"), Decimal("150.00")),
        SheetLine("b", Decimal("9000.00"), None),
        SheetLine("c", None, Decimal("0.00")),
    ]
    start = month_start("2030-03")
    assert closing_body(start, lines) == {
        "period_start": "2030-03-01",
        "incomes": [
            {"participant_id": "a", "income": "12000.00"},
            {"participant_id": "b", "income": "9000.00"},
        ],
    }
    assert deposit_body(lines) == {"deposits": [{"participant_id": "a", "amount": "150.00"}]}
    assert closing_body(start, [SheetLine("c", None, None)]) is None
    assert deposit_body([SheetLine("c", Decimal(1), Decimal(0))]) is None


def test_a_refusal_lands_next_to_the_lines_it_names() -> None:
    outcomes = {p: LineOutcome(p) for p in ("a", "b", "c")}
    left = place_problem(
        outcomes,
        "income",
        {"problems": [{"participant_id": "b", "problem": "no plan"}, {"problem": "late"}]},
        ["a", "b", "c"],
    )
    assert outcomes["b"].problems == {"income": ["no plan"]} and left == ["late"]
    # a schema refusal points at the position among the lines sent
    place_problem(
        outcomes,
        "deposit",
        {"errors": [{"loc": ["body", "deposits", 1, "amount"], "msg": "too many"}]},
        ["a", "c"],
    )
    assert outcomes["c"].problems == {"deposit": ["too many"]}
    # funds names the member in its detail
    place_problem(outcomes, "deposit", {"detail": "a is not a member of this group"}, ["a"])
    assert outcomes["a"].problems["deposit"] == ["a is not a member of this group"]
    assert not place_problem({}, "x", {"detail": ""}, [])


def test_a_problem_in_plain_words_keeps_the_rule_and_the_fields() -> None:
    words = plain(
        {
            "type": "https://megp.mx/problems/validation-failed",
            "detail": "the request is not valid",
            "errors": [{"loc": ["body", "amount"], "msg": "x", "type": "decimal_max_places"}],
            "rule": "¶71",
        },
        422,
    )
    assert words.message == "Please check the data marked below."
    assert words.rule == "¶71" and words.status == 422
    assert [(f.field, f.message) for f in words.for_field("amount")] == [
        ("amount", "Use at most two decimals.")
    ]
    assert plain({"type": "about:blank"}, 500).message == "The service refused the request."


def test_a_rule_naming_a_field_is_placed_beside_it() -> None:
    words = plain(
        {
            "type": "https://megp.mx/problems/business-rule-violation",
            "detail": "line 1 of order o has 3 units open to ship; 5 cannot ship",
            "field": "quantity",
            "open_quantity": 3,
        },
        422,
    )
    assert [(f.field, f.message, f.detail) for f in words.fields] == [
        ("quantity", "A programme rule does not allow this.", words.detail)
    ]
    unknown = {"loc": ["body", "quantity"], "msg": "x", "type": "value_error"}
    schema = plain({"type": "validation-failed", "field": "other", "errors": [unknown]}, 422)
    assert [(f.field, f.message) for f in schema.fields] == [
        ("quantity", "This value is not accepted.")  # the schema's errors win; translated
    ]


def test_a_chart_draws_one_bar_per_row_in_proportion_and_escapes_its_text() -> None:
    from console.screens.dashboard.charts import Bar, bars

    svg = bars("<b>", [Bar("09", Decimal(10), "10"), Bar("20", Decimal(5), "5 & más")])
    assert svg.startswith('<svg role="img" aria-label="&lt;b&gt;"')
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1] and "5 &amp; más" in svg
    assert bars("vacío", []).count("<rect") == 0


def test_a_group_over_time_is_the_services_figures_summed() -> None:
    from datetime import date

    from console.screens.dashboard import over_time

    assert over_time.months_before(date(2027, 3, 15), 3) == [
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]
    assert over_time.month_end(date(2028, 2, 1)) == date(2028, 2, 29)
    fund = over_time.fund_month(
        date(2027, 2, 1), {"development_subfund": "1200.50", "competition_subfund": "99.50"}
    )
    assert fund.total == Decimal("1300.00")

    def result(income: str, baseline: str, incremental: str) -> dict[str, object]:
        return {"income": income, "baseline": baseline, "incremental_income": incremental}

    month = over_time.income_month(
        date(2027, 2, 1),
        {
            "members": [
                {"result": result("12000.00", "10000.00", "2000.00")},
                {"result": result("9000.00", "10000.00", "-1000.00")},
                {"result": None},  # no income typed: not counted
            ]
        },
    )
    assert (month.members, month.income, month.baseline) == (
        2,
        Decimal("21000.00"),
        Decimal("20000.00"),
    )
    assert month.incremental == Decimal("1000.00") and month.growth == Decimal("0.05")
    empty = over_time.income_month(date(2027, 2, 1), {"members": []})
    assert empty.growth is None

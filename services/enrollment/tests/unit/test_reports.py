from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from enrollment.domain.federal_entities import FEDERAL_ENTITIES, federal_entity
from enrollment.domain.reports import ClosedResult, income_growth, share, shares


def test_shares_have_four_decimals_and_survive_an_empty_whole() -> None:
    assert share(1, 3) == Decimal("0.3333")
    assert share(2, 3) == Decimal("0.6667")
    assert share(0, 0) == Decimal("0.0000")
    assert shares({"women": 1, "young": 3}, 4) == {
        "women": Decimal("0.2500"),
        "young": Decimal("0.7500"),
    }


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_a_share_is_a_fraction(part: int, whole: int) -> None:
    value = share(min(part, whole), whole)
    assert Decimal(0) <= value <= Decimal(1)


def test_income_growth_against_baseline() -> None:
    g = income_growth(
        [
            ClosedResult("a", Decimal("1200"), Decimal("1000")),
            ClosedResult("a", Decimal("900"), Decimal("1000")),
            ClosedResult("b", Decimal("500"), Decimal("1000")),
        ]
    )
    assert (g.members, g.periods) == (2, 3)
    assert g.incremental_income == Decimal("-400")
    assert g.growth_rate == Decimal("-0.1333")
    assert g.members_above_baseline == 1
    assert income_growth([]).growth_rate is None


def test_the_32_federal_entities() -> None:
    assert len(FEDERAL_ENTITIES) == 32
    assert federal_entity("01").name == "Aguascalientes"
    assert federal_entity("09").name == "Ciudad de México"
    assert federal_entity("32").name == "Zacatecas"
    assert list(FEDERAL_ENTITIES) == [f"{n:02d}" for n in range(1, 33)]

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from megp_common.money import (
    ChargeAmount,
    CurrencyMismatch,
    Money,
    MoneyAmount,
    MoneyError,
    MoneyModel,
    UnitPriceAmount,
    sum_money,
)

centavo_amounts = st.decimals(
    min_value=Decimal("-1000000000"),
    max_value=Decimal("1000000000"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
precise_amounts = st.decimals(
    min_value=Decimal("-1000000000"),
    max_value=Decimal("1000000000"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)


# -- construction ------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["12.00", 12, Decimal("12.0"), " 12 "])
def test_accepts_str_int_decimal(raw: str | int | Decimal) -> None:
    assert Money(raw) == Money(Decimal("12"))


@pytest.mark.parametrize("raw", [12.5, True, None, [1]])
def test_rejects_float_and_other_types(raw: object) -> None:
    with pytest.raises(TypeError):
        Money(raw)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-inf", "abc", ""])
def test_rejects_non_finite_and_garbage(raw: str) -> None:
    with pytest.raises(ValueError):
        Money(raw)


@pytest.mark.parametrize("currency", ["mxn", "MX", "MXNN", "12A", ""])
def test_rejects_bad_currency(currency: str) -> None:
    with pytest.raises(ValueError):
        Money("1", currency)


def test_default_currency_is_mxn_and_value_is_immutable() -> None:
    money = Money("1")
    assert money.currency == "MXN"
    with pytest.raises(AttributeError):
        money.amount = Decimal(2)  # type: ignore[misc]


def test_negative_zero_is_normalised() -> None:
    assert Money("-0.00").as_str() == "0.00"
    assert not Money("-0").is_negative()


# -- arithmetic and comparison -----------------------------------------------------------------


def test_add_sub_neg_and_predicates() -> None:
    a, b = Money("10.25"), Money("0.75")
    assert a + b == Money("11")
    assert a - b == Money("9.50")
    assert -a == Money("-10.25")
    assert abs(Money("-3")) == Money("3")
    assert (a - a).is_zero()
    assert a.is_positive() and not a.is_negative()
    assert (-a).is_negative() and not (-a).is_positive()


def test_currency_mismatch() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money("1") + Money("1", "USD")
    with pytest.raises(CurrencyMismatch):
        _ = Money("1") - Money("1", "USD")
    with pytest.raises(CurrencyMismatch):
        _ = Money("1") < Money("2", "USD")
    assert Money("1") != Money("1", "USD")


def test_ordering_equality_and_hash() -> None:
    assert Money("1.00") < Money("1.01") <= Money("1.01")
    assert Money("2") > Money("1.99") >= Money("1.99")
    assert Money("1.0") == Money("1.00")
    assert len({Money("1.0"), Money("1.00")}) == 1
    assert sorted([Money("3"), Money("-1"), Money("2")]) == [Money("-1"), Money("2"), Money("3")]


def test_scaling_keeps_precision_and_rejects_float() -> None:
    assert Money("100").scaled(Decimal("0.0125")).amount == Decimal("1.25")
    assert Money("10") * 3 == Money("30")
    assert 3 * Money("10") == Money("30")
    assert Money("0.10").scaled(Decimal("0.333")).amount == Decimal("0.0333")
    with pytest.raises(TypeError):
        Money("1").scaled(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _ = Money("1") * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = Money("1") * Money("1")  # type: ignore[operator]


def test_sum_money() -> None:
    assert sum_money([Money("1.10"), Money("2.20")]) == Money("3.30")
    assert sum_money([], "USD") == Money.zero("USD")


# -- rounding, cents, formatting ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.125", "0.12"),
        ("0.135", "0.14"),
        ("-0.125", "-0.12"),
        ("2.675", "2.68"),
        ("1.005", "1.00"),
    ],
)
def test_quantized_rounds_half_even(raw: str, expected: str) -> None:
    assert Money(raw).quantized().as_str() == expected


def test_minor_units_table() -> None:
    assert Money("1234.5", "JPY").quantized().as_str() == "1234"
    assert Money("1234.5", "JPY").to_cents() == 1234
    assert Money.from_cents(1234, "KWD").as_str() == "1.234"
    assert Money.from_cents(1234, "XYZ").as_str() == "12.34"


def test_as_str_is_canonical() -> None:
    assert Money("1234.5").as_str() == "1234.50"
    assert Money("1E+3").as_str() == "1000.00"
    assert Money("1.500000").as_str() == "1.50"
    assert Money("1.2345").as_str() == "1.2345"
    assert str(Money("7")) == "7.00 MXN"


def test_from_cents_rejects_non_int() -> None:
    with pytest.raises(TypeError):
        Money.from_cents(Decimal("1.5"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.from_cents(True)


def test_convert() -> None:
    assert Money("100", "USD").convert(Decimal("17.2345"), "MXN") == Money("1723.45")
    assert Money("1", "USD").convert(Decimal("0.125"), "MXN") == Money("0.12")
    with pytest.raises(MoneyError):
        Money("1").convert(Decimal(0), "USD")
    with pytest.raises(TypeError):
        Money("1").convert(17.5, "USD")  # type: ignore[arg-type]


def test_split_evenly_gives_extra_centavos_to_first_parts() -> None:
    assert Money("100").split_evenly(3) == [Money("33.34"), Money("33.33"), Money("33.33")]
    assert Money("0.05").split_evenly(3) == [Money("0.02"), Money("0.02"), Money("0.01")]
    assert Money("-0.05").split_evenly(3) == [Money("-0.02"), Money("-0.02"), Money("-0.01")]
    assert Money("0.01").split_evenly(3) == [Money("0.01"), Money("0"), Money("0")]
    with pytest.raises(ValueError):
        Money("1").split_evenly(0)


# -- properties --------------------------------------------------------------------------------


@given(centavo_amounts, st.integers(min_value=1, max_value=60))
def test_split_sums_exactly(amount: Decimal, parts: int) -> None:
    money = Money(amount)
    pieces = money.split_evenly(parts)
    assert len(pieces) == parts
    assert sum_money(pieces) == money
    cents = [abs(piece.to_cents()) for piece in pieces]
    assert max(cents) - min(cents) <= 1
    assert cents == sorted(cents, reverse=True)


@given(precise_amounts, precise_amounts)
def test_add_and_sub_are_inverse(a: Decimal, b: Decimal) -> None:
    assert (Money(a) + Money(b)) - Money(b) == Money(a)
    assert Money(a) - Money(b) == -(Money(b) - Money(a))


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_exact_halves_round_to_even_cent(cents: int) -> None:
    half_above = Money(Decimal(cents).scaleb(-2) + Decimal("0.005"))
    rounded = half_above.to_cents()
    assert rounded in (cents, cents + 1)
    assert rounded % 2 == 0


@given(precise_amounts)
def test_rounding_picks_a_nearest_cent(amount: Decimal) -> None:
    rounded = Money(amount).quantized().amount
    assert abs(rounded - amount) <= Decimal("0.005")


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_cents_round_trip(cents: int) -> None:
    assert Money.from_cents(cents).to_cents() == cents


@given(centavo_amounts)
def test_string_round_trip(amount: Decimal) -> None:
    money = Money(amount)
    assert Money(money.as_str()) == money


# -- pydantic ----------------------------------------------------------------------------------


class _Payment(BaseModel):
    amount: MoneyAmount


def test_money_amount_accepts_str_int_decimal_and_serializes_as_string() -> None:
    assert _Payment(amount="10.50").amount == Decimal("10.50")
    assert _Payment(amount=10).amount == Decimal(10)
    assert json.loads(_Payment(amount=Decimal("1E+2")).model_dump_json()) == {
        "amount": "100.00"
    }  # fixed two decimals, never an exponent
    assert _Payment(amount=Decimal("1.5")).model_dump() == {"amount": Decimal("1.5")}
    assert _Payment.model_validate_json('{"amount": "0.10"}').amount == Decimal("0.10")


@pytest.mark.parametrize("raw", [1.5, "NaN", "Infinity", "x", True])
def test_money_amount_rejects_float_and_non_finite(raw: object) -> None:
    with pytest.raises(ValidationError):
        _Payment(amount=raw)


def test_money_amount_rejects_json_float() -> None:
    with pytest.raises(ValidationError):
        _Payment.model_validate_json('{"amount": 1.5}')


def test_money_model_round_trip_and_schema() -> None:
    money = Money("1234.5", "USD")
    model = MoneyModel.from_money(money)
    assert model.to_money() == money
    assert json.loads(model.model_dump_json()) == {"amount": "1234.50", "currency": "USD"}
    assert MoneyModel.model_validate_json('{"amount": "3"}').to_money() == Money("3")
    with pytest.raises(ValidationError):
        MoneyModel(amount=Decimal(1), currency="usd")
    schema = MoneyModel.model_json_schema()
    assert schema["properties"]["amount"]["type"] == "string"


# -- quantities ---------------------------------------------------------------------------


def test_a_quantity_is_a_json_integer_within_its_bounds() -> None:
    from megp_common.money import QUANTITY_LIMIT, Quantity, QuantityChange

    class Line(BaseModel):
        quantity: Quantity

    class Recount(BaseModel):
        delta: QuantityChange

    assert Line(quantity=1).quantity == 1
    assert Line(quantity=QUANTITY_LIMIT).quantity == QUANTITY_LIMIT
    for bad in (0, -1, QUANTITY_LIMIT + 1, "3", 2.0, 2.5, True, None):
        with pytest.raises(ValidationError):
            Line(quantity=bad)
    assert Recount(delta=-5).delta == -5
    for bad in (0, -QUANTITY_LIMIT - 1, "1", False):
        with pytest.raises(ValidationError):
            Recount(delta=bad)
    schema = Line.model_json_schema()["properties"]["quantity"]
    assert (schema["type"], schema["minimum"], schema["maximum"]) == ("integer", 1, QUANTITY_LIMIT)


def test_a_unit_price_takes_four_decimals_and_a_charge_may_be_zero_never_minus_zero() -> None:
    unit = TypeAdapter(UnitPriceAmount)
    assert unit.validate_python("12.3456") == Decimal("12.3456")
    assert unit.validate_python("0.0001") == Decimal("0.0001")
    for bad in ("12.34567", "0", "-1.0000", 12.5):
        with pytest.raises(ValidationError):
            unit.validate_python(bad)
    schema = unit.json_schema()
    assert schema["x-megp-money-places"] == 4 and schema["x-megp-money-min"] == "0.0001"
    charge = TypeAdapter(ChargeAmount)
    assert charge.validate_python("0") == Decimal("0")
    for bad in ("-0", "-0.00", "1.005"):
        with pytest.raises(ValidationError):
            charge.validate_python(bad)

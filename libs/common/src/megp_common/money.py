"""Exact money values: Decimal amounts tagged with an ISO 4217 currency.

Amounts never come from ``float``; binary floating point cannot represent most centavo values
exactly, so floats are refused at every entry point (TypeError for Python callers, a validation
error for pydantic input).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation, Overflow
from types import MappingProxyType
from typing import Annotated, Any, Final

import pycountry
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic_core import core_schema

DEFAULT_CURRENCY: Final = "MXN"
DEFAULT_MINOR_UNITS: Final = 2

#: Decimal places of the minor unit; currencies not listed use DEFAULT_MINOR_UNITS.
MINOR_UNITS: Final[Mapping[str, int]] = MappingProxyType(
    {"MXN": 2, "USD": 2, "EUR": 2, "CAD": 2, "GBP": 2, "JPY": 0, "KRW": 0, "CLP": 0, "KWD": 3}
)

# A private context keeps results independent of whatever the caller set as the thread's
# decimal context; 50 digits is far beyond any amount the programme will see.
_CTX: Final = Context(prec=50, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, Overflow])
_CURRENCY_RE: Final = re.compile(r"^[A-Z]{3}$")

AmountInput = Decimal | int | str


class MoneyError(ValueError):
    """Base class of money-specific errors."""


class CurrencyMismatch(MoneyError):
    """Raised when combining or comparing amounts of different currencies."""


def to_decimal(value: object) -> Decimal:
    """Convert str/int/Decimal to a finite Decimal; floats and booleans are TypeErrors."""
    if isinstance(value, bool | float):
        raise TypeError(f"money amounts cannot be built from {type(value).__name__}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a decimal number: {value!r}") from None
    else:
        raise TypeError(f"money amounts cannot be built from {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"amount must be finite, got {value!r}")
    return result


def _check_currency(currency: str) -> str:
    if not isinstance(currency, str) or not _CURRENCY_RE.match(currency):
        raise ValueError(f"currency must be three upper-case letters (ISO 4217), got {currency!r}")
    return currency


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency, DEFAULT_MINOR_UNITS)


def _factor(value: object) -> Decimal:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return to_decimal(value)
    raise TypeError(f"money can only be scaled by Decimal or int, not {type(value).__name__}")


@dataclass(frozen=True, slots=True, init=False)
class Money:
    amount: Decimal
    currency: str

    def __init__(self, amount: AmountInput, currency: str = DEFAULT_CURRENCY) -> None:
        value = to_decimal(amount)
        if value.is_zero() and value.is_signed():
            value = value.copy_abs()
        object.__setattr__(self, "amount", value)
        object.__setattr__(self, "currency", _check_currency(currency))

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        return cls(0, currency)

    @classmethod
    def from_cents(cls, cents: int, currency: str = DEFAULT_CURRENCY) -> Money:
        """Build from an integer count of minor units (centavos for MXN)."""
        if isinstance(cents, bool) or not isinstance(cents, int):
            raise TypeError(f"cents must be an int, not {type(cents).__name__}")
        places = minor_units(_check_currency(currency))
        # String construction is exact for any integer size.
        return cls(Decimal(f"{cents}E-{places}"), currency)

    @property
    def minor_units(self) -> int:
        return minor_units(self.currency)

    def is_zero(self) -> bool:
        return self.amount.is_zero()

    def is_positive(self) -> bool:
        return self.amount > 0

    def is_negative(self) -> bool:
        return self.amount < 0

    def quantized(self) -> Money:
        """Round half-even (banker's rounding) to the currency's minor unit."""
        exponent = Decimal(1).scaleb(-self.minor_units)
        return Money(self.amount.quantize(exponent, context=_CTX), self.currency)

    def to_cents(self) -> int:
        """Integer count of minor units after half-even rounding."""
        # After quantize() the exponent is exactly -minor_units, so the digits are the cents.
        sign, digits, _ = self.quantized().amount.as_tuple()
        magnitude = int("".join(map(str, digits)))
        return -magnitude if sign else magnitude

    def scaled(self, factor: Decimal | int) -> Money:
        """Multiply without rounding; call ``quantized()`` when a payable amount is needed."""
        return Money(_CTX.multiply(self.amount, _factor(factor)), self.currency)

    def convert(self, rate: Decimal | int, to_currency: str) -> Money:
        """Convert with ``rate`` units of ``to_currency`` per unit, rounded half-even."""
        factor = _factor(rate)
        if factor <= 0:
            raise MoneyError(f"exchange rate must be positive, got {rate}")
        return Money(_CTX.multiply(self.amount, factor), to_currency).quantized()

    def split_evenly(self, parts: int) -> list[Money]:
        """Split the quantized amount into ``parts`` amounts that add up to it exactly.

        Every part gets the same number of minor units; the remainder (fewer than ``parts``
        centavos) is handed out one centavo each to the *first* parts, so earlier parts are never
        smaller in magnitude than later ones. A negative amount is split by magnitude with the
        same rule, so its first parts are the most negative.
        """
        if isinstance(parts, bool) or not isinstance(parts, int):
            raise TypeError("parts must be an int")
        if parts < 1:
            raise ValueError(f"parts must be at least 1, got {parts}")
        cents = self.to_cents()
        sign = -1 if cents < 0 else 1
        base, remainder = divmod(abs(cents), parts)
        return [
            Money.from_cents(sign * (base + (1 if i < remainder else 0)), self.currency)
            for i in range(parts)
        ]

    def as_str(self) -> str:
        """Canonical fixed-point text: at least the minor-unit places, never an exponent.

        ``Money("1234.5").as_str() == "1234.50"``; extra precision from ``scaled`` is kept
        (trailing zeros beyond the minor unit are dropped) so the text is lossless.
        """
        places = self.minor_units
        value = self.amount.normalize(_CTX)
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
        if exponent > -places:
            value = value.quantize(Decimal(1).scaleb(-places), context=_CTX)
        return format(value, "f")

    def __str__(self) -> str:
        return f"{self.as_str()} {self.currency}"

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(_CTX.add(self.amount, other.amount), self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(_CTX.subtract(self.amount, other.amount), self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int):
            return NotImplemented
        return self.scaled(factor)

    __rmul__ = __mul__

    def _compare_key(self, other: object) -> Decimal | None:
        if not isinstance(other, Money):
            return None
        self._same_currency(other)
        return other.amount

    def __lt__(self, other: object) -> bool:
        key = self._compare_key(other)
        return NotImplemented if key is None else self.amount < key

    def __le__(self, other: object) -> bool:
        key = self._compare_key(other)
        return NotImplemented if key is None else self.amount <= key

    def __gt__(self, other: object) -> bool:
        key = self._compare_key(other)
        return NotImplemented if key is None else self.amount > key

    def __ge__(self, other: object) -> bool:
        key = self._compare_key(other)
        return NotImplemented if key is None else self.amount >= key


def sum_money(values: Sequence[Money], currency: str = DEFAULT_CURRENCY) -> Money:
    """Sum amounts of one currency; an empty sequence gives zero in ``currency``."""
    total = Money.zero(values[0].currency if values else currency)
    for value in values:
        total = total + value
    return total


def _validate_amount(value: Any) -> Decimal:
    # Raised as ValueError so pydantic reports a validation error instead of crashing.
    try:
        return to_decimal(value)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


def render_amount(value: Decimal, places: int = DEFAULT_MINOR_UNITS) -> str:
    """Fixed-point text with at least `places` decimals, never an exponent, never ``-0``:
    ``0E+2`` -> ``"0.00"``, ``1234.5`` -> ``"1234.50"``; finer precision is kept as it is."""
    value = value.normalize(_CTX) if value.is_finite() else value
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -places:
        value = value.quantize(Decimal(1).scaleb(-places), context=_CTX)
    if value.is_zero():
        value = value.copy_abs()
    return format(value, "f")


def _serialize_amount(value: Decimal) -> str:
    return render_amount(value)


def _serialize_share(value: Decimal) -> str:
    return render_amount(value.quantize(Decimal("0.0001"), context=_CTX), 4)


#: A Decimal field that accepts str/int/Decimal (never float or NaN/Infinity) and is written
#: as a fixed-point string in JSON, e.g. ``"1234.50"``. A JSON number with a fraction is refused
#: too: it is parsed as a float before it reaches the validator, so clients must send strings.
MoneyAmount = Annotated[
    Decimal,
    BeforeValidator(_validate_amount),
    PlainSerializer(_serialize_amount, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["1234.50"]}),
]

#: A ratio (0-1, e.g. PAR30) written as a fixed-point string with four decimals, ``"0.0046"``.
Share = Annotated[
    Decimal,
    PlainSerializer(_serialize_share, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{4}$", "examples": ["0.0046"]}),
]


#: A rate or factor (an annual interest rate, 0.12) written as fixed-point text, never 1E+1.
Rate = Annotated[
    Decimal,
    PlainSerializer(lambda v: render_amount(v, 0), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["0.12"]}),
]


def _iso_currency(value: Any) -> str:
    if not isinstance(value, str) or not _CURRENCY_RE.match(value):
        raise ValueError("a currency is an ISO 4217 code of three capital letters, e.g. MXN or USD")
    if pycountry.currencies.get(alpha_3=value) is None:
        raise ValueError(f"{value} is not an ISO 4217 currency code")
    return value


#: An ISO 4217 currency code, checked against ISO's list (pycountry), not just its shape.
CurrencyCode = Annotated[
    str,
    BeforeValidator(_iso_currency),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[A-Z]{3}$",
            "examples": ["MXN", "USD"],
            "description": "ISO 4217 currency code",
            "x-megp-currency": True,
        }
    ),
]

# ---------------------------------------------------------------------------------------------
# Money in requests: one strict parser for every amount a caller sends.

#: Largest amount (MXN) each kind of request field accepts, unless the setting
#: ``MONEY_MAX_<KIND>`` (an environment variable, read when the first value is checked) says
#: otherwise. The bounds are part of the rule: a deposit of 10^30 is a typo or an attack.
AMOUNT_LIMITS: Final[Mapping[str, Decimal]] = MappingProxyType(
    {
        "payment": Decimal("10000000.00"),  # deposits, repayments, rents, withdrawals
        "contribution": Decimal("100000000.00"),  # grants and temporary contributions
        "loan": Decimal("50000000.00"),  # a loan's principal
        "income": Decimal("10000000.00"),  # a member's income or target for one period
        "price": Decimal("10000000.00"),  # an asset's purchase price, a product's price
        "fraction": Decimal("0.9999"),  # a part of every sale (a channel's fee): below 1
    }
)
EXCHANGE_RATE_BOUNDS: Final = (Decimal("0.000001"), Decimal("100000"))
_MAX_TEXT: Final = 32
_PLAIN_AMOUNT: Final = re.compile(r"-?[0-9]{1,18}(?:\.[0-9]{1,%d})?", re.ASCII)


@functools.cache
def _amount_pattern(places: int) -> re.Pattern[str]:
    return re.compile(_PLAIN_AMOUNT.pattern % places, re.ASCII)


@functools.cache
def amount_limit(kind: str) -> Decimal:
    """The maximum of `kind`, from ``MONEY_MAX_<KIND>`` when set."""
    default = AMOUNT_LIMITS[kind]
    raw = os.environ.get(f"MONEY_MAX_{kind.upper()}")
    return Decimal(raw) if raw else default


def parse_amount(
    value: object,
    *,
    kind: str,
    allow_zero: bool = False,
    signed: bool = False,
    places: int = DEFAULT_MINOR_UNITS,
) -> Decimal:
    """The amount a caller sent, or ValueError saying why not.

    Only a plain decimal string is an amount: ASCII digits, at most `places` decimals, no sign
    (unless `signed`: the rules then refuse a negative one with their own reason), no spaces,
    exponents, separators or full-width digits; and it lies between 0.01 (0 where
    `allow_zero`) and the limit of its `kind`.
    A Decimal passes the same checks (for Python callers); floats, ints and booleans never do.
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("an amount must be a finite number")
        text = format(value, "f")
    elif isinstance(value, str):
        text = value
    else:
        raise ValueError('an amount is sent as a decimal string, e.g. "1234.50"')
    if len(text) > _MAX_TEXT:
        raise ValueError(f"an amount has at most {_MAX_TEXT} characters")
    if _amount_pattern(places).fullmatch(text) is None:
        raise ValueError(
            f'an amount is plain digits with at most {places} decimals, e.g. "1234.50" '
            "(no spaces, signs, exponents or separators)"
        )
    amount = Decimal(text)
    if text.startswith("-") and not signed:  # "-0" too, where zero is allowed
        raise ValueError("an amount cannot be negative")
    if amount < 0 and not signed:
        raise ValueError("an amount cannot be negative")
    if amount == 0 and not allow_zero:
        raise ValueError("an amount must be greater than 0")
    limit = amount_limit(kind)
    if abs(amount) > limit:
        raise ValueError(
            f"an amount of this kind is at most {render_amount(limit)} "
            f"(setting MONEY_MAX_{kind.upper()})"
        )
    return amount


@dataclass(frozen=True, slots=True)
class AmountRule:
    """Pydantic metadata of a request amount: ``Annotated[Decimal, AmountRule("payment")]``
    parses with `parse_amount`, writes fixed-point text, and documents its bounds in the
    OpenAPI (``x-megp-money`` names the kind, so generated tests find every money field)."""

    kind: str
    allow_zero: bool = False
    example: str = "1250.00"
    signed: bool = False
    #: decimals the amount may have: two for money, more for a unit price (by the gram)
    places: int = DEFAULT_MINOR_UNITS

    def __post_init__(self) -> None:
        if self.kind not in AMOUNT_LIMITS:
            raise ValueError(f"unknown amount kind {self.kind!r}")

    def parse(self, value: Any) -> Decimal:
        return parse_amount(
            value,
            kind=self.kind,
            allow_zero=self.allow_zero,
            signed=self.signed,
            places=self.places,
        )

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            self.parse,
            serialization=core_schema.plain_serializer_function_ser_schema(
                _serialize_amount, when_used="json"
            ),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        limit = render_amount(AMOUNT_LIMITS[self.kind])
        smallest = format(Decimal(1).scaleb(-self.places), "f")
        lowest = f"-{limit}" if self.signed else "0" if self.allow_zero else smallest
        sign = "-?" if self.signed else ""
        decimals = "two" if self.places == DEFAULT_MINOR_UNITS else str(self.places)
        documented: dict[str, Any] = {
            "type": "string",
            "pattern": rf"^{sign}[0-9]{{1,18}}(\.[0-9]{{1,{self.places}}})?$",
            "maxLength": _MAX_TEXT,
            "examples": [self.example],
            "description": f"A decimal string from {lowest} to {limit} (setting "
            f"MONEY_MAX_{self.kind.upper()}), at most {decimals} decimals",
            "x-megp-money": self.kind,
            "x-megp-money-min": lowest,
        }
        if self.places != DEFAULT_MINOR_UNITS:
            documented["x-megp-money-places"] = self.places
        return documented


PaymentAmount = Annotated[Decimal, AmountRule("payment")]
ContributionAmount = Annotated[Decimal, AmountRule("contribution", example="5000.00")]
LoanAmount = Annotated[Decimal, AmountRule("loan", example="25000.00")]
#: Signed: a negative income is refused by the period rules, line by line on a sheet.
IncomeAmount = Annotated[
    Decimal, AmountRule("income", allow_zero=True, example="8450.00", signed=True)
]
PriceAmount = Annotated[Decimal, AmountRule("price", example="1.00")]
#: A price per unit of an input, to four decimals (inputs are often priced by the gram).
UnitPriceAmount = Annotated[Decimal, AmountRule("price", example="12.3456", places=4)]
#: A flat charge that may be nothing (a supplier's delivery).
ChargeAmount = Annotated[Decimal, AmountRule("price", allow_zero=True, example="150.00")]
#: A fraction of each sale a channel takes (its fee, logistics): 0 to 0.9999, four decimals.
FeeRate = Annotated[Decimal, AmountRule("fraction", allow_zero=True, example="0.10", places=4)]


#: Largest count of units one request may name (an order line, a stock count), unless the
#: setting ``QUANTITY_MAX`` says otherwise.
QUANTITY_LIMIT: Final = 1_000_000


@functools.cache
def quantity_limit() -> int:
    raw = os.environ.get("QUANTITY_MAX")
    return int(raw) if raw else QUANTITY_LIMIT


def parse_quantity(value: Any, *, signed: bool = False) -> int:
    """A count of units a caller sent: a JSON integer (never a string, a float or a boolean),
    at least 1 (unless `signed`: then non-zero, either sign) and at most `quantity_limit()`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("a quantity is a whole number of units, sent as a JSON integer")
    limit = quantity_limit()
    if signed:
        if value == 0 or abs(value) > limit:
            raise ValueError(f"a change of quantity is non-zero and at most {limit} either way")
    elif not 1 <= value <= limit:
        raise ValueError(f"a quantity lies between 1 and {limit} (setting QUANTITY_MAX)")
    return value


def _quantity_schema(signed: bool) -> dict[str, Any]:
    low = -QUANTITY_LIMIT if signed else 1
    return {
        "type": "integer",
        "minimum": low,
        "maximum": QUANTITY_LIMIT,
        "examples": [5],
        "description": f"Whole units, {low} to {QUANTITY_LIMIT} (setting QUANTITY_MAX)"
        + (", never 0" if signed else ""),
        "x-megp-quantity": "signed" if signed else "positive",
    }


#: Units a caller orders or lists (1 to QUANTITY_MAX).
Quantity = Annotated[
    int,
    BeforeValidator(parse_quantity),
    WithJsonSchema(_quantity_schema(False)),
]
#: A change of a count of units (non-zero, either sign).
QuantityChange = Annotated[
    int,
    BeforeValidator(lambda v: parse_quantity(v, signed=True)),
    WithJsonSchema(_quantity_schema(True)),
]


def _exchange_rate(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        text = format(value, "f") if value.is_finite() else "nan"
    elif isinstance(value, str):
        text = value
    else:
        raise ValueError('an exchange rate is sent as a decimal string, e.g. "17.2530"')
    if (
        len(text) > _MAX_TEXT
        or re.fullmatch(r"[0-9]{1,6}(?:\.[0-9]{1,6})?", text, re.ASCII) is None
    ):
        raise ValueError(
            'an exchange rate is plain digits with at most six decimals, e.g. "17.2530"'
        )
    rate = Decimal(text)
    low, high = EXCHANGE_RATE_BOUNDS
    if not low <= rate <= high:
        raise ValueError(f"an exchange rate lies between {low} and {high}")
    return rate


#: Units of the target currency per unit of the source, as a caller sends it.
ExchangeRate = Annotated[
    Decimal,
    BeforeValidator(_exchange_rate),
    PlainSerializer(lambda v: format(v, "f"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]{1,6}(\.[0-9]{1,6})?$",
            "maxLength": 13,
            "examples": ["17.2530"],
            "description": "Units of MXN per unit of the currency, 0.000001 to 100000",
            "x-megp-rate": True,
        }
    ),
]


class MoneyModel(BaseModel):
    """Wire representation of :class:`Money` for API payloads and events."""

    model_config = ConfigDict(frozen=True)

    amount: MoneyAmount
    currency: CurrencyCode = DEFAULT_CURRENCY

    def to_money(self) -> Money:
        return Money(self.amount, self.currency)

    @classmethod
    def from_money(cls, money: Money) -> MoneyModel:
        return cls(amount=money.amount, currency=money.currency)

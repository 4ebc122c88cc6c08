"""Exact money values: Decimal amounts tagged with an ISO 4217 currency.

Amounts never come from ``float``; binary floating point cannot represent most centavo values
exactly, so floats are refused at every entry point (TypeError for Python callers, a validation
error for pydantic input).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation, Overflow
from types import MappingProxyType
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

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


def _serialize_amount(value: Decimal) -> str:
    return format(value, "f")


#: A Decimal field that accepts str/int/Decimal (never float or NaN/Infinity) and is written
#: as a fixed-point string in JSON, e.g. ``"1234.50"``. A JSON number with a fraction is refused
#: too: it is parsed as a float before it reaches the validator, so clients must send strings.
MoneyAmount = Annotated[
    Decimal,
    BeforeValidator(_validate_amount),
    PlainSerializer(_serialize_amount, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["1234.50"]}),
]

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


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

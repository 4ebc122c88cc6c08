"""The day's exchange rate, as a national supervisor recorded it in trade (`/v1/exchange-rates`,
announced as `trade.ExchangeRateRecorded`). Donors keeps a copy of every recorded rate and
converts a donation in dollars at the rate of its day on the shared clock: one rate per currency
and day for the whole programme, whatever sells or gives in it. No rate for the day: the
donation is refused (422), never converted at a guess."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from megp_common.aggregate import Aggregate
from megp_common.money import Money

PESO = "MXN"
#: The currencies a donation may be given in.
CURRENCIES = ("MXN", "USD")


def rate_id(currency: str, on: date) -> str:
    return f"{currency}:{on.isoformat()}"


class RecordedRate(Aggregate):
    currency: str = "USD"
    rate_date: date | None = None
    rate: Decimal = Decimal(0)
    recorded_by: str = ""
    recorded_at: datetime | None = None


def to_pesos(amount: Decimal, currency: str, rate: Decimal) -> Decimal:
    """`amount` of `currency` in pesos at `rate` (MXN per unit), half-even to the centavo."""
    if currency == PESO:
        return Money(amount, PESO).quantized().amount
    return Money(amount, currency).convert(rate, PESO).quantized().amount


def cents(amount: Decimal) -> int:
    return Money(amount, PESO).to_cents()


def pesos(cents_: int) -> Decimal:
    return Money.from_cents(cents_, PESO).amount

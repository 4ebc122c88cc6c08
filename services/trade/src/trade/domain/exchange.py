"""The day's exchange rate a national supervisor records: a payment in dollars is worth, in
pesos, its amount at the rate of the payment's day on the shared clock. A day's rate is
recorded once (payments may already have converted at it): the same rate again is a repeat,
another one a 409."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from megp_common.aggregate import Aggregate
from megp_common.contracts import trade as ev
from megp_common.money import render_amount
from trade.domain.errors import InvalidTransition, TradeRuleViolation


def rate_id(currency: str, on: date) -> str:
    return f"{currency}:{on.isoformat()}"


class DailyRate(Aggregate):
    currency: str
    rate_date: date
    rate: Decimal
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def record_(
        cls, *, currency: str, on: date, rate: Decimal, by: str, now: datetime
    ) -> DailyRate:
        if currency == "MXN":
            raise TradeRuleViolation("the peso is the programme's currency: it has no rate")
        if rate <= 0:
            raise TradeRuleViolation("an exchange rate is positive")
        daily = cls(
            id=rate_id(currency, on),
            currency=currency,
            rate_date=on,
            rate=rate,
            recorded_by=by,
            recorded_at=now,
        )
        daily.record(
            ev.ExchangeRateRecorded(
                currency=currency, rate_date=on, rate=rate, recorded_by=by, recorded_at=now
            )
        )
        return daily

    def same_as(self, rate: Decimal) -> None:
        """A second recording of the day: a repeat when it says the same, else a 409."""
        if rate != self.rate:
            raise InvalidTransition(
                f"the {self.currency} rate of {self.rate_date.isoformat()} is recorded: "
                f"{render_amount(self.rate, 0)}; a day's rate does not change once payments "
                "may use it",
                rate=render_amount(self.rate, 0),
            )

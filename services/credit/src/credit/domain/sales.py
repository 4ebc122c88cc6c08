"""A member's sales history, as the ODF reads it beside the repayment record when it assesses a
loan: credit keeps each of trade's `SaleCompleted` events (one per order and producer) and sums
them by month. Nothing here calls trade."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Sale:
    order_id: str
    producer_id: str
    group_id: str
    state: str
    amount: Decimal
    producer_part: Decimal
    currency: str
    completed_on: date

    @property
    def key(self) -> str:
        """One sale per (order, producer): a second copy of the event counts nothing."""
        return f"{self.order_id}:{self.producer_id}"

    @property
    def month(self) -> str:
        return self.completed_on.strftime("%Y-%m")


@dataclass(frozen=True, slots=True)
class SalesLine:
    """Sales of one month (or of the whole history) in one currency."""

    currency: str
    count: int
    amount: Decimal
    producer_part: Decimal
    month: str | None = None


def _line(sales: list[Sale], currency: str, month: str | None) -> SalesLine:
    return SalesLine(
        currency=currency,
        count=len(sales),
        amount=sum((s.amount for s in sales), Decimal("0.00")).quantize(CENT),
        producer_part=sum((s.producer_part for s in sales), Decimal("0.00")).quantize(CENT),
        month=month,
    )


def by_month(sales: Iterable[Sale]) -> tuple[list[SalesLine], list[SalesLine]]:
    """The months (oldest first) and the totals, each per currency."""
    months: dict[tuple[str, str], list[Sale]] = {}
    totals: dict[str, list[Sale]] = {}
    for sale in sales:
        months.setdefault((sale.month, sale.currency), []).append(sale)
        totals.setdefault(sale.currency, []).append(sale)
    return (
        [_line(v, cur, m) for (m, cur), v in sorted(months.items())],
        [_line(v, cur, None) for cur, v in sorted(totals.items())],
    )

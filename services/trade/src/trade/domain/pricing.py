"""How a sale line's price divides under fair-trade transparency [¶97-¶98]: the producer's
part, the channel's (or trade center's) fee and logistics.

Rule: each fee is its rate times the line total, rounded half-even to the centavo; the
producer's part is what remains, so the three parts always sum to the total exactly and the
rounding never moves more than half a centavo per fee away from the producer.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class FeeTerms:
    """The rates a channel takes of each sale (fractions of the line total)."""

    channel_rate: Decimal
    logistics_rate: Decimal

    def __post_init__(self) -> None:
        if self.channel_rate < 0 or self.logistics_rate < 0:
            raise ValueError("fee rates cannot be negative")
        if self.channel_rate + self.logistics_rate >= 1:
            raise ValueError("the fees must leave the producer a part of the price")

    @property
    def producer_share(self) -> Decimal:
        """The fraction of every sale that is the producer's (published with each product)."""
        return Decimal(1) - self.channel_rate - self.logistics_rate


@dataclass(frozen=True, slots=True)
class PriceSplit:
    total: Decimal
    producer_part: Decimal
    channel_fee: Decimal
    logistics: Decimal

    def __add__(self, other: PriceSplit) -> PriceSplit:
        return PriceSplit(
            self.total + other.total,
            self.producer_part + other.producer_part,
            self.channel_fee + other.channel_fee,
            self.logistics + other.logistics,
        )

    @classmethod
    def zero(cls) -> PriceSplit:
        zero = Decimal("0.00")
        return cls(zero, zero, zero, zero)


def line_total(unit_price: Decimal, quantity: int) -> Decimal:
    if quantity < 1:
        raise ValueError("a line has at least one unit")
    return cents(unit_price * quantity)


def split(total: Decimal, terms: FeeTerms) -> PriceSplit:
    """Divide a line total (in centavos) into its three parts."""
    if total < 0 or cents(total) != total:
        raise ValueError("a line total is a non-negative amount in centavos")
    channel = cents(total * terms.channel_rate)
    logistics = cents(total * terms.logistics_rate)
    return PriceSplit(
        total=total,
        producer_part=total - channel - logistics,
        channel_fee=channel,
        logistics=logistics,
    )

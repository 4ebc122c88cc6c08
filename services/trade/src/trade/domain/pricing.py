"""How a sale line's price divides under fair-trade transparency [¶97-¶98]: the producer's
part, the channel's (or trade center's) fee and logistics.

Rule: each fee is its rate times the line total, rounded half-even to the centavo; the
producer's part is what remains, so the three parts always sum to the total exactly and the
rounding never moves more than half a centavo per fee away from the producer.

A sale in dollars is converted to pesos at a recorded rate (`to_mxn`): the order's total once,
half-even to the centavo, then shared among its lines in proportion to their dollar totals by
the largest remainder method on centavos (`allocate`), so the lines' peso totals sum to the
converted total exactly; each line's peso total is then split by the same rule as above.
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
        if not (self.channel_rate.is_finite() and self.logistics_rate.is_finite()):
            raise ValueError("fee rates are finite fractions")
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


def to_mxn(amount: Decimal, rate: Decimal) -> Decimal:
    """An amount of another currency in pesos at `rate` (MXN per unit), half-even."""
    if rate <= 0:
        raise ValueError("an exchange rate is positive")
    return cents(amount * rate)


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Share `total` (centavos) in proportion to `weights` (the largest remainder method on
    whole centavos, ties to the earlier weight): the parts sum to `total` exactly and each is
    within a centavo of its exact share."""
    if total < 0 or cents(total) != total:
        raise ValueError("a total to share is a non-negative amount in centavos")
    if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError("the weights are non-negative and not all zero")
    whole = int(total * 100)
    base = sum(weights)
    exact = [whole * w / base for w in weights]
    floors = [int(x) for x in exact]  # exact >= 0, so int() is the floor
    left = whole - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(c).scaleb(-2) for c in floors]

"""What part of a line's price goes with some of its units: a line ships in parts, may be
settled short (the producer cannot deliver the rest) and its shipped units may come back.

Rule (`portion`): the first `n` of a line's `q` units carry, of each part of the line's split
(the producer's part, the channel's fee, logistics), that part * n / q rounded half-even to
the centavo; their total is the sum of the three. Each part is a function of how many units
it counts, never decreasing, and at n = q it is the line's own part, so what `k` units carry
(`between`: portion(a + k) - portion(a)) is never negative, its parts sum to its total
exactly, and however a line is shipped, shortened and returned, the pieces sum to what was
paid: nothing is refunded twice and no centavo is lost. With whole-centavo unit prices (every
MXN price) the totals are the unit price * n exactly whenever the parts divide evenly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel

from trade.domain.pricing import PriceSplit, cents


class Shipment(BaseModel):
    """One part of a line the ODF shipped (`id`: the request's, so a retry ships nothing more)."""

    id: str | None = None
    quantity: int
    on: date


def portion(line: PriceSplit, quantity: int, n: int) -> PriceSplit:
    """What the first `n` of the line's `quantity` units carry of each part of its split."""
    if not 0 <= n <= quantity:
        raise ValueError(f"{n} is not between 0 and the line's {quantity} units")
    if n == quantity:
        return line

    def part(amount: Decimal) -> Decimal:
        return cents(amount * n / quantity)

    producer, channel, logistics = (
        part(line.producer_part),
        part(line.channel_fee),
        part(line.logistics),
    )
    return PriceSplit(producer + channel + logistics, producer, channel, logistics)


def between(line: PriceSplit, quantity: int, start: int, end: int) -> PriceSplit:
    """What units start+1 .. end of the line carry (a short settlement's or a return's)."""
    a, b = portion(line, quantity, start), portion(line, quantity, end)
    return PriceSplit(
        b.total - a.total,
        b.producer_part - a.producer_part,
        b.channel_fee - a.channel_fee,
        b.logistics - a.logistics,
    )

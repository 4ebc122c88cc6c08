"""A product's stock as counters: `available` (what a buyer may still reserve), `reserved`
(held by orders not paid yet) and `sold`. Units on hand are available + reserved.

Every change is one conditional update of the stored counters (adapters/repositories.py); this
module holds the arithmetic those updates apply and the invariants they keep, so they can be
tested without a store: no counter ever goes below zero, and a reservation is either taken
whole or not at all."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StockLevel:
    available: int
    reserved: int = 0
    sold: int = 0

    def __post_init__(self) -> None:
        if min(self.available, self.reserved, self.sold) < 0:
            raise ValueError(f"stock counters cannot be negative: {self}")

    @property
    def on_hand(self) -> int:
        return self.available + self.reserved

    def can_reserve(self, quantity: int) -> bool:
        return quantity >= 1 and self.available >= quantity

    def reserve(self, quantity: int) -> StockLevel:
        if not self.can_reserve(quantity):
            raise ValueError(f"cannot reserve {quantity} of {self.available}")
        return StockLevel(self.available - quantity, self.reserved + quantity, self.sold)

    def release(self, quantity: int) -> StockLevel:
        return StockLevel(self.available + quantity, self.reserved - quantity, self.sold)

    def sell(self, quantity: int) -> StockLevel:
        """A paid reservation: the units leave the stock as sold."""
        return StockLevel(self.available, self.reserved - quantity, self.sold + quantity)

    def unsell(self, quantity: int, restock: bool) -> StockLevel:
        """Sold units leave the sale (settled short, or returned); restocked, they are
        available again."""
        back = quantity if restock else 0
        return StockLevel(self.available + back, self.reserved, self.sold - quantity)

    def can_adjust(self, delta: int) -> bool:
        """A recount may take away only units nobody holds: never below what is reserved."""
        return self.available + delta >= 0

    def adjust(self, delta: int) -> StockLevel:
        if not self.can_adjust(delta):
            raise ValueError(f"cannot take {-delta} units from {self.available} available")
        return StockLevel(self.available + delta, self.reserved, self.sold)

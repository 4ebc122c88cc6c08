"""A product of a member, listed and sold by the group's ODF on the member's behalf [¶94].

The product's stock is not a field of this aggregate: it lives beside it in the same stored
document as counters that only single conditional updates change (`stock.py`), so no write of
the product's description can ever carry a stale count back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from megp_common.aggregate import Aggregate
from megp_common.contracts import trade as ev
from trade.domain.errors import InvalidTransition
from trade.domain.pricing import FeeTerms, PriceSplit, line_total, split
from trade.domain.stock import StockLevel


class Product(Aggregate):
    group_id: str
    odf_id: str
    producer_id: str
    state: str
    municipality: str
    name: str
    category: str
    niche: str
    unit: str
    price_mxn: Decimal
    price_usd: Decimal | None = None
    programmes: list[str] = []
    channel_rate: Decimal
    logistics_rate: Decimal
    listed_at: datetime
    withdrawn: bool = False
    withdrawn_at: datetime | None = None

    def partition_key(self) -> str:
        return self.group_id

    def state_code(self) -> str | None:
        return self.state

    @property
    def terms(self) -> FeeTerms:
        return FeeTerms(self.channel_rate, self.logistics_rate)

    @property
    def producer_share(self) -> Decimal:
        return self.terms.producer_share

    def price_of(self, quantity: int, unit_price: Decimal | None = None) -> PriceSplit:
        """`quantity` units at the list price, or at an agreed `unit_price` (a purchase order)."""
        price = self.price_mxn if unit_price is None else unit_price
        return split(line_total(price, quantity), self.terms)

    def withdraw(self, reason: str, now: datetime) -> bool:
        """The ODF takes the product off sale: no new orders (what is reserved or paid is
        honoured); False when it was withdrawn already."""
        if self.withdrawn:
            return False
        self.withdrawn, self.withdrawn_at = True, now
        self.record(
            ev.ProductWithdrawn(
                product_id=self.id,
                group_id=self.group_id,
                state_code=self.state,
                reason=reason,
                withdrawn_at=now,
            )
        )
        return True

    def expect_on_sale(self) -> None:
        if self.withdrawn:
            raise InvalidTransition(
                f"product {self.id} was withdrawn from sale; it takes no new orders",
                product_id=self.id,
            )

    def stock_adjusted(
        self, adjustment_id: str, delta: int, level: StockLevel, reason: str, now: datetime
    ) -> bool:
        """Announce a recount applied to the stock, once per recount; False for a repeat."""
        if self.has_applied(adjustment_id):
            return False
        self.record(
            ev.StockAdjusted(
                product_id=self.id,
                group_id=self.group_id,
                state_code=self.state,
                delta=delta,
                available=level.available,
                reserved=level.reserved,
                reason=reason,
                adjusted_at=now,
            )
        )
        self.mark_applied(adjustment_id)
        return True

    @classmethod
    def list_(
        cls,
        *,
        id: str,
        group_id: str,
        odf_id: str,
        producer_id: str,
        state: str,
        municipality: str,
        name: str,
        category: str,
        niche: str,
        unit: str,
        price_mxn: Decimal,
        price_usd: Decimal | None,
        programmes: list[str],
        terms: FeeTerms,
        stock: int,
        now: datetime,
    ) -> Product:
        if stock < 0:
            raise ValueError("stock on hand cannot be negative")
        product = cls(
            id=id,
            group_id=group_id,
            odf_id=odf_id,
            producer_id=producer_id,
            state=state,
            municipality=municipality,
            name=name,
            category=category,
            niche=niche,
            unit=unit,
            price_mxn=price_mxn,
            price_usd=price_usd,
            programmes=sorted(set(programmes)),
            channel_rate=terms.channel_rate,
            logistics_rate=terms.logistics_rate,
            listed_at=now,
        )
        product.record(
            ev.ProductListed(
                product_id=id,
                group_id=group_id,
                odf_id=odf_id,
                producer_id=producer_id,
                state_code=state,
                municipality=municipality,
                name=name,
                category=category,
                niche=niche,
                unit=unit,
                price_mxn=price_mxn,
                price_usd=price_usd,
                programmes=product.programmes,
                stock=stock,
                producer_share=terms.producer_share,
                listed_at=now,
            )
        )
        return product

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
from trade.domain.invention import HELD_REASON
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
    #: The invention (an ip-counsel disclosure id) it embodies, if any: the listing guard.
    invention_id: str | None = None
    #: `listed` (on sale, announced) or `held` (its invention is not cleared yet).
    listing_status: str = "listed"

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

    @property
    def held(self) -> bool:
        return self.listing_status == "held"

    @property
    def held_reason(self) -> str | None:
        return HELD_REASON if self.held else None

    def release(self, stock: int, now: datetime) -> bool:
        """Its invention was cleared: the held listing goes on sale and is announced, once;
        False when it was listed already."""
        if not self.held:
            return False
        self.listing_status, self.listed_at = "listed", now
        self._announce(stock, now)
        return True

    def expect_on_sale(self) -> None:
        if self.held:
            raise InvalidTransition(
                f"product {self.id} is not on sale yet: {HELD_REASON}",
                product_id=self.id,
                listing_status="held",
            )
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
        invention_id: str | None = None,
        invention_cleared: bool = False,
    ) -> Product:
        """Without an invention, or with a cleared one, the product is listed and announced;
        naming an invention not cleared (or unknown to trade), it is held, unannounced."""
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
            invention_id=invention_id,
            listing_status="held" if invention_id and not invention_cleared else "listed",
        )
        if not product.held:
            product._announce(stock, now)
        return product

    def _announce(self, stock: int, now: datetime) -> None:
        self.record(
            ev.ProductListed(
                product_id=self.id,
                group_id=self.group_id,
                odf_id=self.odf_id,
                producer_id=self.producer_id,
                state_code=self.state,
                municipality=self.municipality,
                name=self.name,
                category=self.category,
                niche=self.niche,
                unit=self.unit,
                price_mxn=self.price_mxn,
                price_usd=self.price_usd,
                programmes=self.programmes,
                stock=stock,
                producer_share=self.producer_share,
                listed_at=now,
            )
        )

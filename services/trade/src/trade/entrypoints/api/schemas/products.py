"""Products [¶94-¶98]: what the ODF lists, and what every reader sees of them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from megp_common.auth import Principal
from megp_common.auth.donors import is_donor_portal
from megp_common.money import MoneyAmount, PriceAmount, Quantity, QuantityChange
from megp_common.schemas import RequestModel
from trade.domain.commands import ListProduct
from trade.domain.product import Product
from trade.domain.stock import StockLevel
from trade.service_layer.product_sheets import SHEET_LINES

Text = Annotated[str, Field(min_length=1, max_length=120)]

#: the examples the OpenAPI shows: one line, and the group a listing or a sheet names
GROUP_EXAMPLE = "0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90"
LINE_EXAMPLE: JsonDict = {
    "producer_id": "0194f2a1-6b2d-7a3c-8f0e-2e4b1a6c7d80",
    "name": "rebozo de algodón",
    "category": "textiles",
    "niche": "fair-trade shops abroad",
    "unit": "piece",
    "price_mxn": "850.00",
    "price_usd": "49.00",
    "stock": 12,
    "programmes": ["popular art", "women producers"],
}


class ProductLine(RequestModel):
    """A product the ODF lists: one member's, with its price, stock and programmes."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [LINE_EXAMPLE]},
    )

    producer_id: str = Field(
        min_length=1, max_length=100, description="The member who makes it (a participant id)"
    )
    name: Text
    category: Text
    niche: Text = Field(description="The market niche it aims at [¶95]")
    unit: Annotated[str, Field(min_length=1, max_length=40)]
    price_mxn: PriceAmount
    price_usd: PriceAmount | None = Field(default=None, description="The price list abroad")
    stock: Quantity = Field(description="Units on hand")
    municipality: Text | None = Field(
        default=None, description="Where it is made (the group's municipality if left out)"
    )
    programmes: list[Text] = Field(
        default_factory=list,
        max_length=10,
        description="Specific programmes it represents: popular art, indigenous communities, "
        "women producers...",
    )
    invention_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="The invention it embodies (an ip-counsel disclosure id): the listing is "
        "held until the invention is filed, or decided to be kept secret or published",
    )

    def listing(self, group_id: str) -> ListProduct:
        return ListProduct(
            group_id=group_id,
            producer_id=self.producer_id,
            name=self.name,
            category=self.category,
            niche=self.niche,
            unit=self.unit,
            price_mxn=self.price_mxn,
            price_usd=self.price_usd,
            stock=self.stock,
            municipality=self.municipality,
            programmes=tuple(self.programmes),
            invention_id=self.invention_id,
        )


class ProductCreate(ProductLine):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"group_id": GROUP_EXAMPLE, **LINE_EXAMPLE}]},
    )

    group_id: str = Field(min_length=1, max_length=100)

    def command(self) -> ListProduct:
        return self.listing(self.group_id)


class ProductSheet(RequestModel):
    """Many products of the group's members listed at once, all or none [¶94]."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"group_id": GROUP_EXAMPLE, "products": [LINE_EXAMPLE]}]},
    )

    group_id: str = Field(min_length=1, max_length=100)
    products: list[ProductLine] = Field(
        min_length=1, max_length=SHEET_LINES, description="One line per product, in order"
    )

    def commands(self) -> list[ListProduct]:
        return [line.listing(self.group_id) for line in self.products]


class StockAdjustment(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"delta": 5, "reason": "a new batch from the loom"}]},
    )

    delta: QuantityChange = Field(description="Units more (or fewer, negative) available")
    reason: Annotated[str, Field(min_length=3, max_length=200)]


class ProductWithdrawal(RequestModel):
    reason: Annotated[str, Field(min_length=3, max_length=200)]


class StockPublic(BaseModel):
    available: int
    reserved: int
    sold: int
    on_hand: int

    @classmethod
    def of(cls, level: StockLevel) -> StockPublic:
        return cls(
            available=level.available,
            reserved=level.reserved,
            sold=level.sold,
            on_hand=level.on_hand,
        )


class ProductPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0194f2a1-aa11-7b22-8c33-4d44e55f6607",
                    "version": 1,
                    "group_id": "0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90",
                    "odf_id": "0194f2a1-8a1b-7c2d-9e3f-1a2b3c4d5e6f",
                    "producer_id": "0194f2a1-6b2d-7a3c-8f0e-2e4b1a6c7d80",
                    "state": "20",
                    "municipality": "Santa María del Tule",
                    "name": "rebozo de algodón",
                    "category": "textiles",
                    "niche": "fair-trade shops abroad",
                    "unit": "piece",
                    "price_mxn": "850.00",
                    "price_usd": "49.00",
                    "programmes": ["popular art", "women producers"],
                    "producer_share": "0.85",
                    "channel_fee_rate": "0.10",
                    "logistics_rate": "0.05",
                    "stock": {"available": 12, "reserved": 0, "sold": 0, "on_hand": 12},
                    "listed_at": "2027-03-01T12:00:00Z",
                }
            ]
        }
    )

    id: str
    version: int
    group_id: str | None = Field(
        description="The producer's group, its ODF and the producer: shown to readers whose "
        "scope includes the product's state"
    )
    odf_id: str | None
    producer_id: str | None
    state: str
    municipality: str
    name: str
    category: str
    niche: str
    unit: str
    price_mxn: MoneyAmount
    price_usd: MoneyAmount | None
    programmes: list[str]
    producer_share: Decimal = Field(description="The producer's part of every sale [¶97-¶98]")
    channel_fee_rate: Decimal
    logistics_rate: Decimal
    stock: StockPublic
    listed_at: datetime
    withdrawn: bool = Field(
        default=False, description="Off sale: no new orders (reservations still honoured)"
    )
    withdrawn_at: datetime | None = None
    listing_status: Literal["listed", "held"] = Field(
        default="listed",
        description="held: it names an invention not protected yet, shown to its ODF alone",
    )
    held_reason: str | None = Field(default=None, description="Why it is held (no content)")
    invention_id: str | None = Field(
        default=None, description="The invention it embodies, for readers in its state"
    )

    @classmethod
    def of(cls, product: Product, level: StockLevel, who: Principal) -> ProductPublic:
        inside = who.can_act_in_state(product.state)
        return cls(
            id=product.id,
            version=product.version,
            group_id=product.group_id if inside else None,
            odf_id=product.odf_id if inside else None,
            # a member's id is no donor's business: a portal sees the group and its ODF
            producer_id=product.producer_id if inside and not is_donor_portal(who) else None,
            state=product.state,
            municipality=product.municipality,
            name=product.name,
            category=product.category,
            niche=product.niche,
            unit=product.unit,
            price_mxn=product.price_mxn,
            price_usd=product.price_usd,
            programmes=product.programmes,
            producer_share=product.producer_share,
            channel_fee_rate=product.channel_rate,
            logistics_rate=product.logistics_rate,
            stock=StockPublic.of(level),
            listed_at=product.listed_at,
            withdrawn=product.withdrawn,
            withdrawn_at=product.withdrawn_at,
            listing_status="held" if product.held else "listed",
            held_reason=product.held_reason,
            invention_id=product.invention_id if inside else None,
        )

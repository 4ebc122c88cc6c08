"""Purchase orders [¶54-¶55, ¶96]: what a chain or a Support Committee buyer sends, what the
ODF answers, and what the buyer and the state's staff read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from megp_common.money import MoneyAmount, PriceAmount, Quantity
from megp_common.schemas import RequestModel
from trade.domain.commands import PurchaseOrderItem, SubmitPurchaseOrder
from trade.domain.purchase_order import BuyerKind, PurchaseOrder, PurchaseOrderStatus

Id = Annotated[str, Field(min_length=1, max_length=100)]
Reason = Annotated[str, Field(min_length=3, max_length=200)]


class PurchaseOrderLineIn(RequestModel):
    product_id: Id = Field(description="A product of the group's members")
    quantity: Quantity
    deliver_on: date = Field(description="From today (the shared clock) to the horizon setting")
    unit_price: PriceAmount | None = Field(
        default=None, description="The unit price agreed with the ODF; the list price if absent"
    )


class PurchaseOrderCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "group_id": "0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90",
                    "buyer_kind": "chain",
                    "lines": [
                        {
                            "product_id": "0194f2a1-aa11-7b22-8c33-4d44e55f6607",
                            "quantity": 2,
                            "deliver_on": "2027-03-15",
                            "unit_price": "140.00",
                        }
                    ],
                }
            ]
        },
    )

    group_id: Id = Field(description="The project group whose ODF is asked")
    buyer_kind: BuyerKind = Field(
        description="chain: a shop chain or supermarket (the token's organization) [¶96]; "
        "committee: a participant on the project's Support Committee [¶54]"
    )
    lines: list[PurchaseOrderLineIn] = Field(min_length=1, max_length=50)

    def command(self) -> SubmitPurchaseOrder:
        return SubmitPurchaseOrder(
            group_id=self.group_id,
            buyer_kind=self.buyer_kind,
            lines=tuple(
                PurchaseOrderItem(x.product_id, x.quantity, x.deliver_on, x.unit_price)
                for x in self.lines
            ),
        )


class PurchaseOrderReason(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "no looms free until June"}]}
    )

    reason: Reason


class PurchaseOrderLinePublic(BaseModel):
    number: int
    product_id: str
    producer_id: str
    quantity: int
    unit_price: MoneyAmount
    list_price: MoneyAmount
    total: MoneyAmount
    deliver_on: date


class PurchaseOrderPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0194f2a1-cc11-7b22-8c33-4d44e55f6607",
                    "version": 1,
                    "group_id": "0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90",
                    "odf_id": "0194f2a1-dd11-7b22-8c33-4d44e55f6607",
                    "state": "20",
                    "buyer_kind": "chain",
                    "buyer": "Abarrotes del Sur",
                    "status": "received",
                    "currency": "MXN",
                    "total": "280.00",
                    "lines": [],
                    "received_at": "2027-03-01T12:00:00Z",
                }
            ]
        }
    )

    id: str
    version: int
    group_id: str
    odf_id: str
    state: str
    buyer_kind: BuyerKind
    buyer: str
    status: PurchaseOrderStatus
    currency: str
    total: MoneyAmount
    lines: list[PurchaseOrderLinePublic]
    received_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None
    order_id: str | None = Field(default=None, description="The order holding the stock")
    reserved_until: datetime | None = None

    @classmethod
    def of(cls, po: PurchaseOrder) -> PurchaseOrderPublic:
        return cls.model_validate(
            po.model_dump(exclude={"applied", "submitted_by", "lines"})
            | {
                "total": po.total,
                "lines": [x.model_dump() | {"total": x.total} for x in po.lines],
            }
        )

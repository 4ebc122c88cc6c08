"""Shipping a line in parts, settling it short, and returns of shipped units."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from megp_common.money import Quantity
from megp_common.schemas import RequestModel
from trade.domain.returns import LineReturn, ReturnStatus
from trade.entrypoints.api.schemas.orders import SplitPublic

Reason = Annotated[str, Field(min_length=3, max_length=200)]


class LineFulfilment(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"quantity": 2}]})

    quantity: Quantity | None = Field(
        default=None, description="Units shipped now; by default every unit still open"
    )


class OrderFulfilment(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"group_id": "g-20"}]}
    )

    group_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Ship the lines of this group's products alone (a console's group screen); "
        "by default every line the caller's ODF ships",
    )


class LineShortening(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "the loom broke; two rugs will not come"}]},
    )

    reason: Reason


class ReturnCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"quantity": 1, "reason": "the colour ran in the wash"}]},
    )

    quantity: Quantity
    reason: Reason


class ReturnDecision(RequestModel):
    """Accept (optionally putting the units back in stock) or refuse with a reason [¶55]."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"decision": "accept", "restock": True},
                {"decision": "refuse", "reason": "the rug was used"},
            ]
        },
    )

    decision: Literal["accept", "refuse"]
    restock: bool = Field(default=False, description="Put the returned units back in stock")
    reason: Reason | None = Field(default=None, description="Why (required to refuse)")

    @model_validator(mode="after")
    def _refusal_says_why(self) -> ReturnDecision:
        if self.decision == "refuse" and self.reason is None:
            raise ValueError("a refusal states its reason")
        if self.decision == "refuse" and self.restock:
            raise ValueError("only an accepted return is restocked")
        return self


class ReturnPublic(BaseModel):
    id: str
    order_id: str
    number: int
    quantity: int
    reason: str
    status: ReturnStatus
    requested_at: datetime
    restock: bool
    refund: SplitPublic | None = None
    refusal: str | None = None
    decided_at: datetime | None = None
    sale_returned: bool = Field(description="Announced as SaleReturned (after the sale)")

    @classmethod
    def of(cls, order_id: str, r: LineReturn) -> ReturnPublic:
        dumped = r.model_dump(exclude={"decided_by"})
        return cls.model_validate(dumped | {"order_id": order_id})

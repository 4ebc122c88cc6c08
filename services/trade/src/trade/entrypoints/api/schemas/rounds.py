"""Collective purchasing rounds [¶30, ¶69]: what ODF staff, members and the deciders send, and
what a reader of the round's state sees: its demands, quotes, allocations and savings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from megp_common.money import (
    ChargeAmount,
    MoneyAmount,
    PaymentAmount,
    Quantity,
    UnitPriceAmount,
)
from megp_common.schemas import RequestModel
from trade.domain.commands import OpenRound, QuoteTier, RecordQuote
from trade.domain.purchasing import (
    Allocation,
    Financing,
    InputKind,
    PurchasingRound,
    RoundStatus,
    SavingsReport,
    SupplierQuote,
)

#: Ids become keys of the round's stored demands: letters, digits, `-`, `_` and `:` only.
Id = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")]
Text = Annotated[str, Field(min_length=1, max_length=120)]


class RoundCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "group_ids": ["0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90"],
                    "item": "hilo de algodón",
                    "kind": "raw_material",
                    "unit": "kg",
                    "closes_at": "2027-03-15T18:00:00Z",
                }
            ]
        },
    )

    group_ids: list[Id] = Field(
        min_length=1, max_length=20, description="The participating ODFs' project groups"
    )
    item: Text = Field(description="The input bought together")
    kind: InputKind
    unit: Annotated[str, Field(min_length=1, max_length=40)]
    closes_at: AwareDatetime = Field(description="Members state their demand until then")

    def command(self) -> OpenRound:
        return OpenRound(
            group_ids=tuple(self.group_ids),
            item=self.item,
            kind=self.kind.value,
            unit=self.unit,
            closes_at=self.closes_at,
        )


class DemandIn(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "participant_id": "0194f2a1-6b2d-7a3c-8f0e-2e4b1a6c7d80",
                    "group_id": "0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90",
                    "quantity": 12,
                }
            ]
        },
    )

    participant_id: Id = Field(description="The member whose demand it is")
    group_id: Id = Field(description="The member's participating group")
    quantity: Quantity = Field(
        description="Whole units of the round's input (a revision replaces it)"
    )


class TierIn(RequestModel):
    min_quantity: Quantity = Field(description="The tier's price applies from this many units up")
    unit_price: UnitPriceAmount


class QuoteIn(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "supplier_id": "hilos-del-sur",
                    "supplier_name": "Hilos del Sur SA",
                    "tiers": [
                        {"min_quantity": 1, "unit_price": "95.5000"},
                        {"min_quantity": 50, "unit_price": "82.2500"},
                    ],
                    "delivery_charge": "150.00",
                    "major_client_terms": False,
                    "valid_until": "2027-04-30",
                }
            ]
        },
    )

    supplier_id: Id
    supplier_name: Annotated[str, Field(max_length=120)] = ""
    tiers: list[TierIn] = Field(min_length=1, max_length=20)
    delivery_charge: ChargeAmount = Decimal("0.00")
    major_client_terms: bool = Field(
        default=False, description="A Support Committee supply company's major-client terms [¶54]"
    )
    valid_until: date | None = None

    def command(self, round_id: str) -> RecordQuote:
        return RecordQuote(
            round_id=round_id,
            supplier_id=self.supplier_id,
            supplier_name=self.supplier_name,
            tiers=tuple(QuoteTier(t.min_quantity, t.unit_price) for t in self.tiers),
            delivery_charge=self.delivery_charge,
            major_client_terms=self.major_client_terms,
            valid_until=self.valid_until,
        )


class ChoiceIn(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "quote_id": "0194f2a1-cc11-7b22-8c33-4d44e55f6607",
                    "group_id": "0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90",
                }
            ]
        },
    )

    quote_id: Id
    group_id: Id = Field(description="The participating group whose ODF decides")


class SharePayment(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"amount": "94.59"}]})

    amount: PaymentAmount = Field(description="The member's exact cost share, in MXN")


class DemandPublic(BaseModel):
    participant_id: str
    odf_id: str
    quantity: int
    stated_at: datetime
    revised_at: datetime | None = None


class TierPublic(BaseModel):
    min_quantity: int
    unit_price: MoneyAmount


class QuotePublic(BaseModel):
    quote_id: str
    supplier_id: str
    supplier_name: str
    tiers: list[TierPublic]
    delivery_charge: MoneyAmount
    major_client_terms: bool
    valid_until: date | None = None
    received_at: datetime | None = None

    @classmethod
    def of(cls, quote: SupplierQuote) -> QuotePublic:
        return cls.model_validate(quote.model_dump())


class AllocationPublic(BaseModel):
    participant_id: str
    odf_id: str
    quantity: int
    cost_share: MoneyAmount
    alone_cost: MoneyAmount | None = Field(
        description="The least the member would pay alone (none: no quote serves them alone)"
    )
    saving: MoneyAmount | None
    paid_at: datetime | None = None
    paid_by: str | None = None
    financing_id: str | None = Field(
        default=None, description="The ODF's financing request that covers this share"
    )

    @classmethod
    def of(cls, a: Allocation) -> AllocationPublic:
        return cls(
            participant_id=a.participant_id,
            odf_id=a.odf_id,
            quantity=a.quantity,
            cost_share=a.cost_share,
            alone_cost=a.alone_cost,
            saving=a.saving,
            paid_at=a.paid_at,
            paid_by=a.paid_by,
            financing_id=a.financing_id,
        )


class FinancingPublic(BaseModel):
    financing_id: str
    odf_id: str
    group_id: str
    amount: MoneyAmount
    participant_ids: list[str]
    requested_by: str
    requested_at: datetime

    @classmethod
    def of(cls, f: Financing) -> FinancingPublic:
        return cls.model_validate(f.model_dump())


class RoundPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0194f2a1-dd11-7b22-8c33-4d44e55f6607",
                    "version": 4,
                    "status": "allocated",
                    "odf_ids": ["0194f2a1-ee11-7b22-8c33-4d44e55f6607"],
                    "group_ids": ["0194f2a1-7c3e-7b4d-9a1e-3f5c2b7d8e90"],
                    "state": "20",
                    "item": "hilo de algodón",
                    "kind": "raw_material",
                    "unit": "kg",
                    "opened_at": "2027-03-01T12:00:00Z",
                    "closes_at": "2027-03-15T18:00:00Z",
                    "demands": [],
                    "pooled_quantity": 60,
                    "quotes": [],
                    "chosen_quote_id": "0194f2a1-cc11-7b22-8c33-4d44e55f6607",
                    "total": "5085.00",
                    "allocations": [],
                }
            ]
        }
    )

    id: str
    version: int
    status: RoundStatus
    odf_ids: list[str]
    group_ids: list[str]
    state: str | None
    item: str
    kind: InputKind
    unit: str
    opened_at: datetime
    closes_at: datetime
    demands: list[DemandPublic]
    pooled_quantity: int | None = None
    closed_at: datetime | None = None
    quotes: list[QuotePublic]
    chosen_quote_id: str | None = None
    chosen_by: str | None = None
    chosen_at: datetime | None = None
    total: MoneyAmount | None = None
    currency: str = "MXN"
    allocations: list[AllocationPublic]
    deciding_group_id: str | None = None
    deciding_odf_id: str | None = None
    unpaid: MoneyAmount | None = Field(
        default=None, description="The shares neither paid nor financed yet (after the choice)"
    )
    financing: FinancingPublic | None = None

    @classmethod
    def of(cls, rnd: PurchasingRound) -> RoundPublic:
        return cls(
            id=rnd.id,
            version=rnd.version,
            status=rnd.status,
            odf_ids=list(rnd.odf_ids),
            group_ids=list(rnd.group_ids),
            state=rnd.state,
            item=rnd.item,
            kind=rnd.kind,
            unit=rnd.unit,
            opened_at=rnd.opened_at,
            closes_at=rnd.closes_at,
            demands=[
                DemandPublic.model_validate(d.model_dump())
                for d in sorted(rnd.demands.values(), key=lambda d: (d.stated_at, d.participant_id))
            ],
            pooled_quantity=rnd.pooled_quantity,
            closed_at=rnd.closed_at,
            quotes=[QuotePublic.of(q) for q in rnd.quotes.values()],
            chosen_quote_id=rnd.chosen_quote_id,
            chosen_by=rnd.chosen_by,
            chosen_at=rnd.chosen_at,
            total=rnd.total,
            allocations=[AllocationPublic.of(a) for a in rnd.allocations],
            deciding_group_id=rnd.deciding_group_id,
            deciding_odf_id=rnd.deciding_odf_id,
            unpaid=None
            if rnd.total is None
            else sum((a.cost_share for a in rnd.allocations if not a.settled), Decimal("0.00")),
            financing=None if rnd.financing is None else FinancingPublic.of(rnd.financing),
        )


class MemberSavingPublic(BaseModel):
    participant_id: str
    quantity: int
    cost_share: MoneyAmount
    alone_cost: MoneyAmount | None
    saving: MoneyAmount | None


class SavingsPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "round_id": "0194f2a1-dd11-7b22-8c33-4d44e55f6607",
                    "members": [],
                    "pooled_cost": "5085.00",
                    "alone_cost": "5880.00",
                    "saving": "795.00",
                    "members_no_quote_alone": 0,
                    "currency": "MXN",
                }
            ]
        }
    )

    round_id: str
    members: list[MemberSavingPublic]
    pooled_cost: MoneyAmount = Field(
        description="The members served alone by some quote: their shares"
    )
    alone_cost: MoneyAmount = Field(description="What those members would pay buying alone")
    saving: MoneyAmount
    members_no_quote_alone: int
    currency: str = "MXN"

    @classmethod
    def of(cls, report: SavingsReport) -> SavingsPublic:
        return cls(
            round_id=report.round_id,
            members=[
                MemberSavingPublic(
                    participant_id=m.participant_id,
                    quantity=m.quantity,
                    cost_share=m.cost_share,
                    alone_cost=m.alone_cost,
                    saving=m.saving,
                )
                for m in report.members
            ],
            pooled_cost=report.pooled_cost,
            alone_cost=report.alone_cost,
            saving=report.saving,
            members_no_quote_alone=report.members_no_quote_alone,
        )

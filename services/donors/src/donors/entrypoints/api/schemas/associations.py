"""Request and response models of associations, their notices and the projects they see."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from donors.domain.association import Association, Notice
from donors.domain.project import Project
from donors.domain.rates import pesos
from megp_common.schemas import RequestModel

STATE = r"^(0[1-9]|[12][0-9]|3[0-2])$"


class AssociationCreate(RequestModel):
    name: str = Field(min_length=2, max_length=200, examples=["Club Zacatecano de Chicago"])
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2", examples=["US"])
    city: str = Field(min_length=1, max_length=120, examples=["Chicago"])
    origin_state_code: str = Field(pattern=STATE, examples=["09"])
    origin_municipality: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        description="The municipality of origin it supports (none: every one of the state)",
    )


class AssociationPublic(BaseModel):
    id: str
    name: str
    country: str
    city: str
    origin_state_code: str
    origin_municipality: str | None
    registered_at: datetime
    trade_channel_id: str | None = Field(
        default=None,
        description="The channel trade opened for the association [¶53]: its portal places "
        "orders through it (`channel_id` of trade's POST /v1/orders); none until trade has "
        "opened it",
    )

    @classmethod
    def of(cls, a: Association) -> AssociationPublic:
        return cls(
            id=a.id,
            name=a.name,
            country=a.country,
            city=a.city,
            origin_state_code=a.origin_state,
            origin_municipality=a.origin_municipality,
            registered_at=a.registered_at,
            trade_channel_id=a.trade_channel_id,
        )


class NoticePublic(BaseModel):
    id: str
    kind: str
    at: datetime
    text: str
    donation_id: str | None = None
    pledge_id: str | None = None

    @classmethod
    def of(cls, n: Notice) -> NoticePublic:
        return cls(**n.model_dump())


class OutcomePublic(BaseModel):
    period_start: date
    period_end: date
    members_reporting: int
    members_with_increase: int
    total_income: Decimal = Field(description="The members' incomes summed, MXN")
    incremental_income: Decimal = Field(description="Summed incremental income, MXN")


class ProjectPublic(BaseModel):
    """A group's public data: never a participant's name, CURP, birth date or income."""

    group_id: str
    name: str | None
    activity: str | None
    state_code: str | None
    municipality: str | None
    odf_id: str | None
    odf_name: str | None
    trust_bank: str | None
    fund_open: bool
    active_members: int
    participation: dict[str, int] = Field(description="Active members per specific programme")
    outcomes: list[OutcomePublic]
    marketplace_sales: dict[str, Decimal] = Field(description="MXN sold per month (YYYY-MM)")

    @classmethod
    def of(cls, p: Project) -> ProjectPublic:
        return cls(
            group_id=p.id,
            name=p.name,
            activity=p.activity,
            state_code=p.state,
            municipality=p.municipality,
            odf_id=p.odf_id,
            odf_name=p.odf_name,
            trust_bank=p.trust_bank,
            fund_open=p.fund_open,
            active_members=len(p.members),
            participation=p.participation(),
            outcomes=[
                OutcomePublic(
                    period_start=o.period_start,
                    period_end=o.period_end,
                    members_reporting=o.members_reporting,
                    members_with_increase=o.members_with_increase,
                    total_income=pesos(o.total_income_cents),
                    incremental_income=pesos(o.incremental_income_cents),
                )
                for o in p.periods
            ],
            marketplace_sales={k: pesos(v) for k, v in sorted(p.sales_cents.items())},
        )

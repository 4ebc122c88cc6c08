"""Request and response models of matching programmes and pledges."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from donors.domain.matching import Caps, CoFunder, Pledge, Programme, Tier
from donors.domain.rates import cents, pesos
from donors.entrypoints.api.deps import ID
from megp_common.money import ContributionAmount
from megp_common.schemas import RequestModel

STATE = r"^(0[1-9]|[12][0-9]|3[0-2])$"
SpecificProgramme = Literal[
    "inventors",
    "women",
    "young",
    "elderly",
    "disabled",
    "artistic_cultural",
    "popular_art",
    "indigenous_excluded",
]


def _ratio(value: object) -> Decimal:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,4})?", value):
        raise ValueError('a ratio is a decimal string with at most four decimals, e.g. "1"')
    ratio = Decimal(value)
    if not Decimal(0) < ratio <= 100:
        raise ValueError("a ratio is more than 0 and at most 100")
    return ratio


#: Pesos a co-funder pledges per peso donated (3x1: each of three tiers at "1").
MatchRatio = Annotated[
    Decimal,
    BeforeValidator(_ratio),
    PlainSerializer(lambda v: format(v, "f"), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]{1,3}(\.[0-9]{1,4})?$",
            "maxLength": 8,
            "examples": ["1"],
            "description": "More than 0, at most 100, four decimals at most",
        }
    ),
]


class CoFunderCreate(RequestModel):
    id: str = Field(pattern=ID, description="The co-funder's id (its token's organization)")
    name: str = Field(min_length=2, max_length=200, examples=["Gobierno federal"])
    tier: Tier
    ratio: MatchRatio = Field(description="Pesos pledged per peso donated")


class CapsCreate(RequestModel):
    per_project: ContributionAmount | None = Field(default=None, description="MXN, per group")
    per_association: ContributionAmount | None = None
    programme: ContributionAmount | None = Field(default=None, description="The whole programme")


class ProgrammeCreate(RequestModel):
    name: str = Field(min_length=2, max_length=200, examples=["3x1 Zacatecas 2027"])
    cofunders: list[CoFunderCreate] = Field(min_length=1, max_length=10)
    caps: CapsCreate = Field(description="Each cap may be null: no cap of that kind")
    eligible_states: list[Annotated[str, Field(pattern=STATE)]] = Field(
        default=[], max_length=32, description="INEGI codes; none: every state"
    )
    eligible_programmes: list[SpecificProgramme] = Field(
        default=[],
        max_length=8,
        description="A group takes part when one active member is in one; none: any group",
    )
    opens_at: AwareDatetime
    closes_at: AwareDatetime

    def model(self, programme_id: str, by: str, now: datetime) -> Programme:
        def c(x: Decimal | None) -> int | None:
            return None if x is None else cents(x)

        return Programme(
            id=programme_id,
            name=self.name,
            cofunders=[CoFunder(**x.model_dump()) for x in self.cofunders],
            caps=Caps(
                per_project=c(self.caps.per_project),
                per_association=c(self.caps.per_association),
                programme=c(self.caps.programme),
            ),
            eligible_states=sorted(set(self.eligible_states)),
            eligible_programmes=sorted(set(self.eligible_programmes)),
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            created_by=by,
            created_at=now,
        )


class CoFunderPublic(BaseModel):
    id: str
    name: str
    tier: str
    ratio: Decimal


class ProgrammePublic(BaseModel):
    id: str
    name: str
    cofunders: list[CoFunderPublic]
    caps: dict[str, Decimal | None]
    eligible_states: list[str]
    eligible_programmes: list[str]
    opens_at: datetime
    closes_at: datetime
    lapsed: bool

    @classmethod
    def of(cls, p: Programme) -> ProgrammePublic:
        caps = p.caps.model_dump()
        return cls(
            id=p.id,
            name=p.name,
            cofunders=[
                CoFunderPublic(id=c.id, name=c.name, tier=c.tier.value, ratio=c.ratio)
                for c in p.cofunders
            ],
            caps={k: None if v is None else pesos(v) for k, v in caps.items()},
            eligible_states=p.eligible_states,
            eligible_programmes=p.eligible_programmes,
            opens_at=p.opens_at,
            closes_at=p.closes_at,
            lapsed=p.lapsed,
        )


class PledgePublic(BaseModel):
    id: str
    programme_id: str
    cofunder_id: str
    cofunder_name: str
    tier: str
    donation_id: str
    association_id: str
    group_id: str
    amount_mxn: Decimal
    status: str = Field(description="pledged | confirmed | paid | lapsed | cancelled")
    due_by: datetime
    pledged_at: datetime
    confirmed_at: datetime | None
    paid_at: datetime | None
    entry_id: str | None = Field(description="The fund's entry once funds booked the payment")
    booking_refusal: str | None
    pledged_mxn: Decimal | None = Field(
        default=None, description="What was pledged before a partial refund brought it down"
    )
    scaled_for: str | None = Field(default=None, description="The refund that brought it down")

    @classmethod
    def of(cls, p: Pledge) -> PledgePublic:
        return cls(
            id=p.id,
            programme_id=p.programme_id,
            cofunder_id=p.cofunder_id,
            cofunder_name=p.cofunder_name,
            tier=p.tier.value,
            donation_id=p.donation_id,
            association_id=p.association_id,
            group_id=p.group_id,
            amount_mxn=pesos(p.amount_cents),
            status=p.status.value,
            due_by=p.due_by,
            pledged_at=p.pledged_at,
            confirmed_at=p.confirmed_at,
            paid_at=p.paid_at,
            entry_id=p.entry_id,
            booking_refusal=p.booking_refusal,
            pledged_mxn=pesos(p.pledged_cents) if p.pledged_cents is not None else None,
            scaled_for=p.scaled_for,
        )

"""Counsellors: IP professionals registered by the programme, and their sessions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ip_counsel.domain.commands import RecordSession, RegisterCounsellor
from ip_counsel.domain.counselling import CounsellingSession
from ip_counsel.domain.counsellor import Counsellor
from ip_counsel.domain.review import Route
from megp_common.schemas import RequestModel

Name = Annotated[str, Field(min_length=1, max_length=200)]


class CounsellorCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject": "counsellor-lopez",
                    "name": "Lic. Ana López",
                    "organization": "Despacho López Propiedad Industrial",
                    "specialties": ["patents", "industrial designs"],
                }
            ]
        },
    )

    subject: str = Field(
        min_length=1, max_length=200, description="Who they sign in as (the token's subject)"
    )
    name: Name
    organization: Name
    specialties: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=20
    )

    def command(self) -> RegisterCounsellor:
        return RegisterCounsellor(self.subject, self.name, self.organization, self.specialties)


class CounsellorPublic(BaseModel):
    id: str
    name: str
    organization: str
    specialties: list[str]
    registered_at: datetime

    @classmethod
    def of(cls, c: Counsellor) -> CounsellorPublic:
        return cls(
            id=c.id,
            name=c.name,
            organization=c.organization,
            specialties=c.specialties,
            registered_at=c.registered_at,
        )


class CounsellorList(BaseModel):
    items: list[CounsellorPublic]
    next_cursor: str | None = None


class SessionCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "held_on": "2026-03-02",
                    "advice": "File a utility model first; the claims are incremental.",
                    "route_recommended": "utility_model",
                }
            ]
        },
    )

    held_on: date = Field(description="Today or before")
    advice: str = Field(min_length=1, max_length=20_000, description="Sealed; secret [¶3]")
    route_recommended: Route | None = None

    def command(self) -> RecordSession:
        return RecordSession(self.held_on, self.advice, self.route_recommended)


class SessionPublic(BaseModel):
    number: int
    counsellor_id: str
    held_on: date
    route_recommended: Route | None
    recorded_at: datetime
    advice: str | None = Field(
        default=None, description="Only for the inventors and the counsellor; null otherwise"
    )

    @classmethod
    def of(cls, s: CounsellingSession, advice: str | None = None) -> SessionPublic:
        return cls(
            number=s.number,
            counsellor_id=s.counsellor_id,
            held_on=s.held_on,
            route_recommended=s.route_recommended,
            recorded_at=s.recorded_at,
            advice=advice,
        )


class SessionList(BaseModel):
    disclosure_id: str
    items: list[SessionPublic]

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from enrollment.domain.committee import (
    Candidate,
    CandidatePosition,
    Committee,
    CommitteeKind,
    CommitteeMember,
    Discipline,
    Level,
    SupportOffer,
)
from enrollment.entrypoints.api.schemas.common import Name, Reason, Request, StateCode, Text


class CommitteeCreate(Request):
    kind: CommitteeKind
    name: Name = Field(examples=["Comité de apoyo Barro Negro"])
    project_id: str | None = Field(default=None, description="Support and innovation: required")
    discipline: Discipline | None = Field(default=None, description="Specialized: required")
    level: Level | None = Field(default=None, description="Specialized: required")
    state_code: StateCode | None = None
    region: Name | None = None


class CommitteePublic(BaseModel):
    id: str
    kind: CommitteeKind
    name: str
    project_id: str | None
    group_id: str | None
    discipline: Discipline | None
    level: Level | None
    state_code: str | None
    region: str | None
    active_members: int
    formed_at: datetime
    version: int

    @classmethod
    def of(cls, c: Committee) -> CommitteePublic:
        return cls(
            id=c.id,
            kind=c.kind,
            name=c.name,
            project_id=c.project_id,
            group_id=c.group_id,
            discipline=c.discipline,
            level=c.level,
            state_code=c.state,
            region=c.region,
            active_members=len(c.active_members()),
            formed_at=c.formed_at,
            version=c.version,
        )


class CommitteeMemberCreate(Request):
    name: Name = Field(examples=["Universidad Autónoma Benito Juárez de Oaxaca"])
    role: str = Field(
        min_length=1,
        max_length=40,
        examples=["local"],
        description="support: local | national | external; innovation: group_coordinator | "
        "student | professor | industrial_designer; specialized and volunteer: member",
    )
    participant_id: str | None = Field(default=None, max_length=64)
    organization: Name | None = None
    supports: list[SupportOffer] = Field(default_factory=list, max_length=11)


class CommitteeMemberPublic(BaseModel):
    member_id: str
    name: str
    role: str
    participant_id: str | None
    organization: str | None
    supports: list[SupportOffer]
    added_on: date
    removed_on: date | None
    removal_reason: str | None

    @classmethod
    def of(cls, m: CommitteeMember) -> CommitteeMemberPublic:
        return cls(**m.model_dump())


class CommitteeMemberRemoval(Request):
    reason: Reason


class CandidateCreate(Request):
    position: CandidatePosition
    name: Name
    participant_id: str | None = Field(default=None, max_length=64)
    profile: Text = Field(examples=["20 years managing a ceramics export business"])


class CandidatePublic(BaseModel):
    candidate_id: str
    position: CandidatePosition
    name: str
    participant_id: str | None
    profile: str
    proposed_on: date
    proposed_by: str

    @classmethod
    def of(cls, c: Candidate) -> CandidatePublic:
        return cls(**c.model_dump())

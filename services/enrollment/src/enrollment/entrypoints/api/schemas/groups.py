from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from enrollment.domain.board import Seat, SeatKind
from enrollment.domain.group import DevelopmentOrganization, GroupStatus, ProjectGroup
from enrollment.domain.membership import Membership, MembershipStatus, Undertaking
from enrollment.entrypoints.api.schemas.common import Name, Reason, Request


class UndertakingIn(Request):
    undertaking: Undertaking
    accepted_on: date | None = Field(default=None, description="Defaults to today")


class MemberJoin(Request):
    participant_id: str = Field(min_length=1, max_length=64)
    business_reason: Reason = Field(examples=["sell pottery together at better prices"])
    letter_of_commitment: list[UndertakingIn] = Field(
        min_length=1,
        max_length=6,
        description="The six undertakings of ¶49, each accepted on a date",
    )

    def letter(self, today: date) -> dict[Undertaking, date]:
        return {u.undertaking: u.accepted_on or today for u in self.letter_of_commitment}


class IntakeSheet(Request):
    members: list[MemberJoin] = Field(
        min_length=1,
        max_length=500,
        description="One line per participant joining: the reason and the signed letter",
    )


class MemberLeave(Request):
    reason: Reason = Field(examples=["moving the workshop to another state"])


class MemberPublic(BaseModel):
    participant_id: str
    name: str
    status: MembershipStatus
    joined_on: date
    business_reason: str
    letter_of_commitment: dict[Undertaking, date]
    left_on: date | None
    leave_reason: str | None
    times_joined: int

    @classmethod
    def of(cls, m: Membership) -> MemberPublic:
        return cls(
            participant_id=m.participant_id,
            name=m.name,
            status=m.status,
            joined_on=m.joined_on,
            business_reason=m.business_reason,
            letter_of_commitment=m.letter,
            left_on=m.left_on,
            leave_reason=m.leave_reason,
            times_joined=m.times_joined,
        )


class MovementPublic(BaseModel):
    participant_id: str
    movement: str
    on: date
    reason: str


class OdfCreate(Request):
    legal_name: Name = Field(examples=["Barro Negro de Coyotepec, S.A. de C.V."])
    rfc: str = Field(min_length=12, max_length=16, examples=["CAM1503021A3"])
    trust_bank: Name = Field(examples=["Banorte"], description="One of the partner banks")


class OdfPublic(BaseModel):
    odf_id: str
    legal_name: str
    rfc: str
    trust_bank: str
    registered_at: datetime

    @classmethod
    def of(cls, odf: DevelopmentOrganization) -> OdfPublic:
        return cls(**odf.model_dump())


class SeatPublic(BaseModel):
    seat_id: str
    seat: SeatKind
    name: str
    participant_id: str | None
    candidate_id: str | None
    appointed_on: date
    appointed_by: str

    @classmethod
    def of(cls, seat: Seat) -> SeatPublic:
        return cls(**seat.model_dump())


class BoardPublic(BaseModel):
    group_id: str
    odf_id: str | None
    representatives: list[SeatPublic]
    special_members: list[SeatPublic]
    director_general: SeatPublic | None
    version: int

    @classmethod
    def of(cls, g: ProjectGroup) -> BoardPublic:
        seats = [SeatPublic.of(s) for s in g.board]
        dg = [s for s in seats if s.seat is SeatKind.DIRECTOR_GENERAL]
        return cls(
            group_id=g.id,
            odf_id=g.odf.odf_id if g.odf else None,
            representatives=[s for s in seats if s.seat is SeatKind.MEMBER_REPRESENTATIVE],
            special_members=[s for s in seats if s.seat is SeatKind.SPECIAL_MEMBER],
            director_general=dg[0] if dg else None,
            version=g.version,
        )


class GroupPublic(BaseModel):
    id: str
    project_id: str
    name: str
    state_code: str
    municipality: str
    status: GroupStatus
    minimum_members: int
    active_members: int
    below_minimum: bool = Field(description="Active with fewer members than the minimum")
    development_organization: OdfPublic | None
    board: BoardPublic
    history: list[MovementPublic]
    opened_at: datetime
    activated_at: datetime | None
    version: int

    @classmethod
    def of(cls, g: ProjectGroup) -> GroupPublic:
        active = len(g.active_member_ids())
        return cls(
            id=g.id,
            project_id=g.project_id,
            name=g.name,
            state_code=g.state,
            municipality=g.municipality,
            status=g.status,
            minimum_members=g.minimum_members,
            active_members=active,
            below_minimum=g.status is GroupStatus.ACTIVE and active < g.minimum_members,
            development_organization=OdfPublic.of(g.odf) if g.odf else None,
            board=BoardPublic.of(g),
            history=[MovementPublic(**h.model_dump()) for h in g.history],
            opened_at=g.opened_at,
            activated_at=g.activated_at,
            version=g.version,
        )


class RepresentativeAppoint(Request):
    participant_id: str = Field(min_length=1, max_length=64)


class CandidateAppoint(Request):
    candidate_id: str = Field(
        min_length=1, max_length=64, description="A candidate the Support Committee proposed"
    )


class SeatRemoval(Request):
    reason: Reason

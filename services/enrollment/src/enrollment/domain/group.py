"""The Micro-Entrepreneurial Project Group [¶41, ¶49], its Development Organization [¶60] and
the Board of Directors through which only its representatives decide [¶55]."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel

from enrollment.domain.board import Seat, SeatKind
from enrollment.domain.errors import InvalidData, RuleViolation, StateConflict
from enrollment.domain.membership import (
    Membership,
    MembershipRecord,
    MembershipStatus,
    Movement,
    Undertaking,
    check_letter,
    check_reason,
    member_on,
)
from enrollment.domain.project import Project
from enrollment.domain.terms import ProgrammeTerms
from megp_common.aggregate import Aggregate
from megp_common.contracts import enrollment as ev
from megp_common.ids import deterministic_id


class GroupStatus(StrEnum):
    FORMING = "forming"  # collecting signed Letters of Commitment
    ACTIVE = "active"  # reached the minimum of signed members


class DevelopmentOrganization(BaseModel):
    odf_id: str
    legal_name: str
    rfc: str
    trust_bank: str
    registered_at: datetime


class ProjectGroup(Aggregate):
    project_id: str
    name: str
    state: str
    municipality: str
    status: GroupStatus = GroupStatus.FORMING
    minimum_members: int
    members: dict[str, Membership] = {}
    history: list[MembershipRecord] = []
    odf: DevelopmentOrganization | None = None
    board: list[Seat] = []
    opened_at: datetime
    activated_at: datetime | None = None

    def state_code(self) -> str:
        return self.state

    @classmethod
    def open(
        cls, project: Project, name: str, terms: ProgrammeTerms, now: datetime
    ) -> ProjectGroup:
        group = cls(
            id=project.group_id,
            project_id=project.id,
            name=name or project.name,
            state=project.state,
            municipality=project.municipality,
            minimum_members=terms.minimum_group_members,
            opened_at=now,
        )
        group.record(
            ev.ProjectGroupOpened(
                group_id=group.id,
                project_id=project.id,
                name=group.name,
                state_code=group.state,
                municipality=group.municipality,
                minimum_members=group.minimum_members,
                opened_at=now,
            )
        )
        return group

    # -- membership ---------------------------------------------------------------------------

    def active_member_ids(self) -> list[str]:
        return sorted(p for p, m in self.members.items() if m.status is MembershipStatus.ACTIVE)

    def is_active_member(self, participant_id: str) -> bool:
        m = self.members.get(participant_id)
        return m is not None and m.status is MembershipStatus.ACTIVE

    def was_member_on(self, participant_id: str, day: date) -> bool:
        return member_on(self.history, participant_id, day)

    def admit(
        self,
        participant_id: str,
        name: str,
        business_reason: str,
        letter: Mapping[Undertaking, date],
        now: datetime,
    ) -> None:
        """The participant signs the Letter of Commitment and joins (or returns) [¶24, ¶49]."""
        today = now.date()
        if self.is_active_member(participant_id):
            raise StateConflict(
                f"participant {participant_id} is already a member of this group",
                participant_id=participant_id,
            )
        signed = check_letter(letter, today)
        reason = check_reason(business_reason, "joins")
        earlier = self.members.get(participant_id)
        self.members[participant_id] = Membership(
            participant_id=participant_id,
            name=name,
            joined_on=today,
            business_reason=reason,
            letter=signed,
            times_joined=(earlier.times_joined + 1) if earlier else 1,
        )
        self.history.append(
            MembershipRecord(
                participant_id=participant_id, movement=Movement.JOINED, on=today, reason=reason
            )
        )
        self.record(
            ev.MemberJoinedGroup(
                group_id=self.id,
                participant_id=participant_id,
                joined_on=today,
                business_reason=reason,
                letter_of_commitment=[
                    ev.Undertaking(undertaking=u.value, accepted_on=d) for u, d in signed.items()
                ],
                active_members=len(self.active_member_ids()),
                rejoined=earlier is not None,
            )
        )
        if (
            self.status is GroupStatus.FORMING
            and len(self.active_member_ids()) >= self.minimum_members
        ):
            self.status, self.activated_at = GroupStatus.ACTIVE, now
            self.record(
                ev.ProjectGroupActivated(
                    group_id=self.id,
                    project_id=self.project_id,
                    state_code=self.state,
                    member_participant_ids=self.active_member_ids(),
                    activated_at=now,
                )
            )

    def release(self, participant_id: str, reason: str, now: datetime) -> None:
        """The member leaves; history keeps both movements, a board seat is vacated [¶24]."""
        if not self.is_active_member(participant_id):
            raise StateConflict(
                f"participant {participant_id} is not an active member",
                participant_id=participant_id,
            )
        cleaned = check_reason(reason, "leaves")
        today = now.date()
        membership = self.members[participant_id]
        membership.status, membership.left_on, membership.leave_reason = (
            MembershipStatus.LEFT,
            today,
            cleaned,
        )
        self.history.append(
            MembershipRecord(
                participant_id=participant_id, movement=Movement.LEFT, on=today, reason=cleaned
            )
        )
        self.record(
            ev.MemberLeftGroup(
                group_id=self.id,
                participant_id=participant_id,
                left_on=today,
                reason=cleaned,
                active_members=len(self.active_member_ids()),
            )
        )
        seats = [s for s in self.board if s.participant_id == participant_id]
        for seat in seats:
            self._vacate(seat, "the member left the group", None, now)
        if seats:
            self._board_changed(now)

    # -- Development Organization -------------------------------------------------------------

    def register_odf(
        self, legal_name: str, rfc: str, trust_bank: str, terms: ProgrammeTerms, now: datetime
    ) -> DevelopmentOrganization:
        if self.status is not GroupStatus.ACTIVE:
            raise RuleViolation(
                f"the group needs {self.minimum_members} members who signed the Letter of "
                "Commitment before it registers its Development Organization",
                rule="¶49",
                active_members=len(self.active_member_ids()),
            )
        if self.odf is not None:
            raise StateConflict(
                f"the group already registered {self.odf.legal_name}", odf_id=self.odf.odf_id
            )
        if trust_bank not in terms.partner_banks:
            raise InvalidData(
                f"{trust_bank!r} is not one of the partner banks",
                field="trust_bank",
                partner_banks=list(terms.partner_banks),
            )
        self.odf = DevelopmentOrganization(
            odf_id=deterministic_id("odf", self.id),
            legal_name=legal_name.strip(),
            rfc=rfc,
            trust_bank=trust_bank,
            registered_at=now,
        )
        odf = self.odf
        self.record(
            ev.DevelopmentOrganizationRegistered(
                group_id=self.id,
                odf_id=odf.odf_id,
                legal_name=odf.legal_name,
                rfc=rfc,
                trust_bank=trust_bank,
                state_code=self.state,
                municipality=self.municipality,
                registered_at=now,
            )
        )
        self.record(
            ev.ProjectGroupFormed(
                group_id=self.id,
                project_id=self.project_id,
                name=self.name,
                state_code=self.state,
                municipality=self.municipality,
                odf_id=odf.odf_id,
                odf_legal_name=odf.legal_name,
                rfc=rfc,
                trust_bank=trust_bank,
                member_participant_ids=self.active_member_ids(),
                formed_at=now,
            )
        )
        return odf

    def require_odf(self) -> DevelopmentOrganization:
        if self.odf is None:
            raise RuleViolation(
                "the group has not registered its Development Organization yet", rule="¶60"
            )
        return self.odf

    # -- Board ----------------------------------------------------------------------------------

    def representative_ids(self) -> list[str]:
        return sorted(
            s.participant_id
            for s in self.board
            if s.seat is SeatKind.MEMBER_REPRESENTATIVE and s.participant_id
        )

    def appoint(self, seat: Seat, now: datetime) -> None:
        """Seat someone; the rules of who may decide were applied by the caller (board.py)."""
        self.require_odf()
        if seat.seat is SeatKind.MEMBER_REPRESENTATIVE:
            if seat.participant_id is None or not self.is_active_member(seat.participant_id):
                raise RuleViolation(
                    "member representatives are active members of the group", rule="¶49"
                )
            if seat.participant_id in self.representative_ids():
                raise StateConflict("the member already represents the group on the board")
        if seat.candidate_id and any(s.candidate_id == seat.candidate_id for s in self.board):
            raise StateConflict("this candidate already holds a seat on the board")
        if seat.seat is SeatKind.DIRECTOR_GENERAL:
            for current in [s for s in self.board if s.seat is SeatKind.DIRECTOR_GENERAL]:
                self._vacate(current, "replaced by a new Director General", seat.appointed_by, now)
        self.board.append(seat)
        self.record(
            ev.BoardMemberAppointed(
                group_id=self.id,
                odf_id=self.require_odf().odf_id,
                appointee=seat.public(),
                appointed_by=seat.appointed_by,
            )
        )
        self._board_changed(now)

    def remove_seat(self, seat_id: str, reason: str, decided_by: str, now: datetime) -> None:
        seat = next((s for s in self.board if s.seat_id == seat_id), None)
        if seat is None:
            raise StateConflict(f"no one holds seat {seat_id} on the board")
        if not reason.strip():
            raise InvalidData("state the reason for the removal", field="reason")
        self._vacate(seat, reason.strip(), decided_by, now)
        self._board_changed(now)

    def _vacate(self, seat: Seat, reason: str, decided_by: str | None, now: datetime) -> None:
        self.board = [s for s in self.board if s.seat_id != seat.seat_id]
        odf = self.require_odf()
        self.record(
            ev.BoardMemberRemoved(
                group_id=self.id,
                odf_id=odf.odf_id,
                seat=seat.public(),
                reason=reason,
                removed_on=now.date(),
                removed_by=decided_by,
            )
        )

    def _board_changed(self, now: datetime) -> None:
        dg = next((s for s in self.board if s.seat is SeatKind.DIRECTOR_GENERAL), None)
        self.record(
            ev.BoardChanged(
                group_id=self.id,
                odf_id=self.require_odf().odf_id,
                representative_participant_ids=self.representative_ids(),
                special_members=[
                    s.public() for s in self.board if s.seat is SeatKind.SPECIAL_MEMBER
                ],
                director_general=dg.public() if dg else None,
                changed_at=now,
            )
        )

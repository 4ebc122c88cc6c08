"""Committees around the projects [¶54-¶58]: the Support Committee of each project, Specialized
Support Committees by discipline and level, Innovation Committees and Volunteer Committees.
None of them decides for a group [¶55]; the Support Committee only proposes candidates [¶54]."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel

from enrollment.domain.errors import InvalidData, RuleViolation, StateConflict
from enrollment.domain.federal_entities import federal_entity
from megp_common.aggregate import Aggregate
from megp_common.contracts import enrollment as ev
from megp_common.ids import deterministic_id


class CommitteeKind(StrEnum):
    SUPPORT = "support"  # ¶54
    SPECIALIZED = "specialized"  # ¶56
    INNOVATION = "innovation"  # ¶57
    VOLUNTEER = "volunteer"  # ¶58


class Discipline(StrEnum):
    PRODUCTION_ENGINEERING = "production_engineering"
    FINANCING = "financing"
    MARKETING = "marketing"
    ENVIRONMENTAL_PROTECTION = "environmental_protection"
    EQUAL_DEVELOPMENT = "equal_development"
    TECHNOLOGY = "technology"
    ACQUISITIONS = "acquisitions"
    INDUSTRIAL_SECTORS = "industrial_sectors"


class Level(StrEnum):
    STATE = "state"
    REGIONAL = "regional"
    NATIONAL = "national"
    INTERNATIONAL = "international"


class PlayerScope(StrEnum):
    """Who sits on a Support Committee: local, national or external players [¶50-¶52]."""

    LOCAL = "local"
    NATIONAL = "national"
    EXTERNAL = "external"


class SupportOffer(StrEnum):
    """The ways a Support Committee supports its project [¶54]."""

    EXTERNAL_SUPPORT = "external_support"
    RECOMMENDATIONS = "recommendations"
    COLLABORATION_AGREEMENTS = "collaboration_agreements"
    FUND_CONTRIBUTIONS = "fund_contributions"
    PURCHASE_ORDERS = "purchase_orders"
    TECHNICAL_STAFF = "technical_staff"
    SUPPLIER_TERMS = "supplier_terms"
    BUYER_ADVICE = "buyer_advice"
    RESEARCH_STUDIES = "research_studies"
    PROPOSE_SPECIAL_MEMBERS = "propose_special_members"
    PROPOSE_DIRECTOR_GENERAL = "propose_director_general"


class InnovationRole(StrEnum):
    GROUP_COORDINATOR = "group_coordinator"
    STUDENT = "student"
    PROFESSOR = "professor"
    INDUSTRIAL_DESIGNER = "industrial_designer"


class CandidatePosition(StrEnum):
    SPECIAL_MEMBER = "special_member"
    DIRECTOR_GENERAL = "director_general"


PLAIN_MEMBER = "member"


class CommitteeMember(BaseModel):
    member_id: str
    name: str
    role: str
    participant_id: str | None = None
    organization: str | None = None
    supports: list[SupportOffer] = []
    added_on: date
    removed_on: date | None = None
    removal_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.removed_on is None


class Candidate(BaseModel):
    candidate_id: str
    position: CandidatePosition
    name: str
    participant_id: str | None = None
    profile: str
    proposed_on: date
    proposed_by: str


def committee_id_for(kind: CommitteeKind, project_id: str) -> str:
    """Support and Innovation Committees are one per project: their id follows from it."""
    return deterministic_id(f"{kind.value}-committee", project_id)


class Committee(Aggregate):
    kind: CommitteeKind
    name: str
    project_id: str | None = None
    group_id: str | None = None
    discipline: Discipline | None = None
    level: Level | None = None
    state: str | None = None
    region: str | None = None
    members: dict[str, CommitteeMember] = {}
    candidates: dict[str, Candidate] = {}
    formed_at: datetime

    def partition_key(self) -> str:
        return self.group_id or self.id

    def state_code(self) -> str | None:
        return self.state

    @classmethod
    def form(
        cls,
        committee_id: str,
        *,
        kind: CommitteeKind,
        name: str,
        now: datetime,
        project_id: str | None = None,
        group_id: str | None = None,
        discipline: Discipline | None = None,
        level: Level | None = None,
        state: str | None = None,
        region: str | None = None,
    ) -> Committee:
        if kind in (CommitteeKind.SUPPORT, CommitteeKind.INNOVATION) and not project_id:
            raise InvalidData(f"a {kind.value} committee belongs to a project", field="project_id")
        if kind is CommitteeKind.SPECIALIZED and (discipline is None or level is None):
            raise InvalidData(
                "a specialized committee has a discipline and a level", field="discipline"
            )
        if level is Level.STATE and state is None:
            raise InvalidData("a state-level committee names its state", field="state_code")
        if level is Level.REGIONAL and not region:
            raise InvalidData("a regional committee names its region", field="region")
        if state is not None:
            federal_entity(state)
        committee = cls(
            id=committee_id,
            kind=kind,
            name=name,
            project_id=project_id,
            group_id=group_id,
            discipline=discipline,
            level=level,
            state=state,
            region=region,
            formed_at=now,
        )
        committee.record(
            ev.CommitteeFormed(
                committee_id=committee_id,
                kind=kind.value,
                name=name,
                project_id=project_id,
                group_id=group_id,
                discipline=discipline.value if discipline else None,
                level=level.value if level else None,
                state_code=state,
                formed_at=now,
            )
        )
        return committee

    def active_members(self) -> list[CommitteeMember]:
        return [m for m in self.members.values() if m.active]

    def member_participant_ids(self) -> set[str]:
        return {m.participant_id for m in self.active_members() if m.participant_id}

    def add_member(self, member: CommitteeMember, group_members: Iterable[str] = ()) -> None:
        self._check_role(member, set(group_members))
        if member.member_id in self.members:
            raise StateConflict(f"member {member.member_id} was already added")
        if member.participant_id and member.participant_id in self.member_participant_ids():
            raise StateConflict("this participant already sits on the committee")
        self.members[member.member_id] = member
        self.record(ev.CommitteeMemberAdded(**self._member_event(member), added_on=member.added_on))

    def remove_member(self, member_id: str, reason: str, today: date) -> None:
        member = self.members.get(member_id)
        if member is None or not member.active:
            raise StateConflict(f"{member_id} is not a current member of the committee")
        if not reason.strip():
            raise InvalidData("state the reason for the removal", field="reason")
        member.removed_on, member.removal_reason = today, reason.strip()
        self.record(
            ev.CommitteeMemberRemoved(
                **self._member_event(member), removed_on=today, reason=member.removal_reason
            )
        )

    def propose(self, candidate: Candidate) -> None:
        """The Support Committee proposes candidates to the group; it never appoints [¶54]."""
        if self.kind is not CommitteeKind.SUPPORT or not self.project_id or not self.group_id:
            raise RuleViolation(
                "only a project's Support Committee proposes board candidates", rule="¶54"
            )
        if candidate.candidate_id in self.candidates:
            raise StateConflict(f"candidate {candidate.candidate_id} was already proposed")
        self.candidates[candidate.candidate_id] = candidate
        self.record(
            ev.BoardCandidateProposed(
                committee_id=self.id,
                project_id=self.project_id,
                group_id=self.group_id,
                candidate_id=candidate.candidate_id,
                position=candidate.position.value,
                name=candidate.name,
                participant_id=candidate.participant_id,
                proposed_on=candidate.proposed_on,
            )
        )

    def _check_role(self, member: CommitteeMember, group_members: set[str]) -> None:
        if self.kind is CommitteeKind.SUPPORT:
            if member.role not in set(PlayerScope):
                raise InvalidData(
                    "a Support Committee member is a local, national or external player",
                    field="role",
                )
            if not member.supports:
                raise InvalidData("say which support the member offers (¶54)", field="supports")
        elif self.kind is CommitteeKind.INNOVATION:
            if member.role not in set(InnovationRole):
                raise InvalidData(
                    "an Innovation Committee member is a group coordinator, "
                    "student, professor or industrial designer",
                    field="role",
                )
            if member.role == InnovationRole.GROUP_COORDINATOR and (
                member.participant_id is None or member.participant_id not in group_members
            ):
                raise RuleViolation(
                    "group coordinators are active members of the project's group", rule="¶57"
                )
        elif member.role != PLAIN_MEMBER:
            raise InvalidData(
                f"members of a {self.kind.value} committee have the role '{PLAIN_MEMBER}'",
                field="role",
            )
        if member.supports and self.kind is not CommitteeKind.SUPPORT:
            raise InvalidData("only Support Committee members list supports", field="supports")

    def _member_event(self, member: CommitteeMember) -> dict[str, object]:
        return {
            "committee_id": self.id,
            "kind": self.kind.value,
            "project_id": self.project_id,
            "group_id": self.group_id,
            "member_id": member.member_id,
            "name": member.name,
            "participant_id": member.participant_id,
            "role": member.role,
            "supports": [s.value for s in member.supports],
        }

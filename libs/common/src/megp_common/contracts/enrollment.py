"""Events published by the enrollment service on `enrollment.events`.

Key of every message: the project group id; for a participant not in a group, the participant id;
for a committee not tied to a project, the committee id. A project's events are keyed by the id
its group has (or will have): a group's id is derived from its project's id, so one project's
proposal, group, board, support committee and business periods share one partition, in order.

Money: decimal strings in MXN, rounded half-even to the centavo. Dates: ISO `YYYY-MM-DD`.
Enumerations travel as plain strings so a new value is not a breaking change; the values in use
are listed in each field's description.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from megp_common.events import EventPayload, event_type
from megp_common.money import MoneyAmount

# ---------------------------------------------------------------------------------------------
# Participants


class _ParticipantSnapshot(EventPayload):
    participant_id: str
    curp: str = Field(description="CURP, 18 characters, check digit verified")
    given_names: str
    first_surname: str
    second_surname: str | None = None
    birth_date: date
    gender: str = Field(description="female | male (as encoded in the CURP)")
    state_code: str = Field(description="INEGI code of the federal entity, '01'..'32'")
    state_name: str
    municipality: str
    functions: list[str] = Field(
        description="acquisition | production | sales_promotion | administration"
    )
    member_type: str = Field(description="micro_entrepreneur | micro_producer")
    programmes: list[str] = Field(
        description="inventors | women | young | elderly | disabled | artistic_cultural | "
        "popular_art | indigenous_excluded"
    )
    disabled: bool
    indigenous: bool
    inventor: bool
    group_id: str | None = Field(default=None, description="Current project group, if any")


@event_type("enrollment.ParticipantEnrolled")
class ParticipantEnrolled(_ParticipantSnapshot):
    enrolled_at: datetime


@event_type("enrollment.ParticipantUpdated")
class ParticipantUpdated(_ParticipantSnapshot):
    """The participant as it is now, and which fields changed."""

    changed: list[str]
    updated_at: datetime


# ---------------------------------------------------------------------------------------------
# Projects and project groups


class ActivationCriteria(BaseModel):
    """Ratings 0 (not at all) to 3 (fully) of the six criteria of ¶42-¶48."""

    model_config = ConfigDict(frozen=True)

    marginalized_community: int
    replicable_pilot: int
    short_term_results: int
    import_substitution: int
    short_term_viability: int
    local_raw_materials: int


@event_type("enrollment.ProjectProposed")
class ProjectProposed(EventPayload):
    project_id: str
    group_id: str = Field(description="Id the project's group has once formed")
    name: str
    definition: str = Field(description="region | branch")
    region: str | None = None
    branch_of_activity: str | None = None
    state_code: str
    municipality: str
    description: str
    criteria: ActivationCriteria
    priority_score: int = Field(description="0..100, see the enrollment README")
    proposed_at: datetime


@event_type("enrollment.ProjectGroupOpened")
class ProjectGroupOpened(EventPayload):
    """A group was formed from a project and is collecting signed Letters of Commitment."""

    group_id: str
    project_id: str
    name: str
    state_code: str
    municipality: str
    minimum_members: int
    opened_at: datetime


@event_type("enrollment.ProjectGroupActivated")
class ProjectGroupActivated(EventPayload):
    group_id: str
    project_id: str
    state_code: str
    member_participant_ids: list[str]
    activated_at: datetime


@event_type("enrollment.ProjectGroupFormed")
class ProjectGroupFormed(EventPayload):
    """The group is active and has registered its Development Organization: open its fund."""

    group_id: str
    project_id: str
    name: str
    state_code: str
    municipality: str
    odf_id: str
    odf_legal_name: str
    rfc: str
    trust_bank: str
    member_participant_ids: list[str]
    formed_at: datetime


#: The six undertakings of the Letter of Commitment [¶49], as they travel in requests and events.
UNDERTAKINGS: tuple[str, ...] = (
    "business_plan",
    "fund_contributions",
    "share_experience",
    "collective_competitiveness",
    "particular_commitments",
    "board_representatives",
)


class Undertaking(BaseModel):
    model_config = ConfigDict(frozen=True)

    undertaking: str = Field(description=" | ".join(UNDERTAKINGS))
    accepted_on: date


@event_type("enrollment.MemberJoinedGroup")
class MemberJoinedGroup(EventPayload):
    group_id: str
    participant_id: str
    joined_on: date
    business_reason: str
    letter_of_commitment: list[Undertaking]
    active_members: int
    rejoined: bool = False


@event_type("enrollment.MemberLeftGroup")
class MemberLeftGroup(EventPayload):
    group_id: str
    participant_id: str
    left_on: date
    reason: str
    active_members: int


# ---------------------------------------------------------------------------------------------
# Development Organization and its Board of Directors


@event_type("enrollment.DevelopmentOrganizationRegistered")
class DevelopmentOrganizationRegistered(EventPayload):
    group_id: str
    odf_id: str
    legal_name: str
    rfc: str
    trust_bank: str
    state_code: str
    municipality: str
    registered_at: datetime


class BoardSeat(BaseModel):
    model_config = ConfigDict(frozen=True)

    seat_id: str
    seat: str = Field(description="member_representative | special_member | director_general")
    name: str
    participant_id: str | None = None
    candidate_id: str | None = Field(
        default=None, description="The Support Committee's proposal it came from"
    )
    appointed_on: date


@event_type("enrollment.BoardMemberAppointed")
class BoardMemberAppointed(EventPayload):
    group_id: str
    odf_id: str
    appointee: BoardSeat
    appointed_by: str = Field(description="Participant id of the deciding representative")


@event_type("enrollment.BoardMemberRemoved")
class BoardMemberRemoved(EventPayload):
    group_id: str
    odf_id: str
    seat: BoardSeat
    reason: str
    removed_on: date
    removed_by: str | None = Field(
        default=None, description="Deciding representative; none when the member left the group"
    )


@event_type("enrollment.BoardChanged")
class BoardChanged(EventPayload):
    """Who sits on the board now. Board decisions elsewhere are authorized against this list:
    only `representative_participant_ids` may decide [¶55]."""

    group_id: str
    odf_id: str
    representative_participant_ids: list[str]
    special_members: list[BoardSeat]
    director_general: BoardSeat | None = None
    changed_at: datetime


# ---------------------------------------------------------------------------------------------
# Committees


@event_type("enrollment.CommitteeFormed")
class CommitteeFormed(EventPayload):
    committee_id: str
    kind: str = Field(description="support | specialized | innovation | volunteer")
    name: str
    project_id: str | None = None
    group_id: str | None = None
    discipline: str | None = None
    level: str | None = Field(
        default=None, description="state | regional | national | international"
    )
    state_code: str | None = None
    formed_at: datetime


class _CommitteeMemberEvent(EventPayload):
    committee_id: str
    kind: str
    project_id: str | None = None
    group_id: str | None = None
    member_id: str
    name: str
    participant_id: str | None = None
    role: str = Field(
        description="support: local | national | external player; innovation: "
        "group_coordinator | student | professor | industrial_designer; "
        "otherwise member"
    )
    supports: list[str] = Field(default_factory=list, description="Support offered (¶54)")


@event_type("enrollment.CommitteeMemberAdded")
class CommitteeMemberAdded(_CommitteeMemberEvent):
    added_on: date


@event_type("enrollment.CommitteeMemberRemoved")
class CommitteeMemberRemoved(_CommitteeMemberEvent):
    removed_on: date
    reason: str


@event_type("enrollment.BoardCandidateProposed")
class BoardCandidateProposed(EventPayload):
    """The Support Committee proposes; only the group's board may appoint [¶54, ¶55]."""

    committee_id: str
    project_id: str
    group_id: str
    candidate_id: str
    position: str = Field(description="special_member | director_general")
    name: str
    participant_id: str | None = None
    proposed_on: date


# ---------------------------------------------------------------------------------------------
# Business plans and period results


@event_type("enrollment.BusinessPlanAgreed")
class BusinessPlanAgreed(EventPayload):
    plan_id: str
    group_id: str
    odf_id: str
    participant_id: str
    revision: int = Field(description="1 when first agreed, +1 on each revision")
    baseline_income: MoneyAmount = Field(description="Income per period before joining, MXN")
    target_increase: MoneyAmount = Field(description="Targeted extra income per period, MXN")
    period_months: int
    start_date: date
    currency: str = "MXN"
    agreed_at: datetime


class MemberPeriodResult(BaseModel):
    """One member's closed period. `result_id` identifies it everywhere: use it as the key of
    the deposit obligation and the ODF's receivable so a replay creates neither twice."""

    model_config = ConfigDict(frozen=True)

    result_id: str
    plan_id: str
    participant_id: str
    period_start: date
    period_end: date
    income: MoneyAmount
    baseline: MoneyAmount
    incremental_income: MoneyAmount = Field(description="income - baseline; may be negative")
    deposit_due: MoneyAmount = Field(description="10 % of positive incremental income [¶71]")
    odf_share: MoneyAmount = Field(description="25 % of positive incremental income [¶68]")
    currency: str = "MXN"


@event_type("enrollment.BusinessPeriodClosed")
class BusinessPeriodClosed(EventPayload):
    group_id: str
    odf_id: str
    state_code: str
    result: MemberPeriodResult
    closed_at: datetime


@event_type("enrollment.BusinessPeriodCorrected")
class BusinessPeriodCorrected(EventPayload):
    """A closed result is never changed; this new result replaces it. The deltas say what the
    correction adds to (or, negative, takes from) what the replaced result stated."""

    group_id: str
    odf_id: str
    state_code: str
    result: MemberPeriodResult
    replaces_result_id: str
    deposit_due_delta: MoneyAmount
    odf_share_delta: MoneyAmount
    reason: str
    corrected_at: datetime


@event_type("enrollment.GroupPeriodClosed")
class GroupPeriodClosed(EventPayload):
    """One per group and period: every member's result, including those closed one by one
    before. The results the sheet itself closed are announced only here (at national scale a
    closing is one event per group, not one per member); those closed one by one before were
    each announced as a BusinessPeriodClosed with the same result_id, so a consumer keys on
    result_id and takes each result once."""

    group_id: str
    odf_id: str
    state_code: str
    period_start: date
    period_end: date
    period_months: int
    results: list[MemberPeriodResult]
    total_income: MoneyAmount
    total_deposit_due: MoneyAmount
    total_odf_share: MoneyAmount
    currency: str = "MXN"
    closed_at: datetime

"""Membership of a project group: the Letter of Commitment [¶49] and the freedom to join and
leave with a business reason [¶24-¶26]."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from pydantic import BaseModel

from enrollment.domain.errors import InvalidData, RuleViolation


class Undertaking(StrEnum):
    """The six undertakings of the Letter of Commitment [¶49]."""

    BUSINESS_PLAN = "business_plan"  # agree a business plan with the ODF and share profits
    FUND_CONTRIBUTIONS = "fund_contributions"  # contribute regularly to the fund
    SHARE_EXPERIENCE = "share_experience"  # share experience, technical and training help
    COLLECTIVE_COMPETITIVENESS = "collective_competitiveness"  # raise collective capacity
    PARTICULAR_COMMITMENTS = "particular_commitments"  # particular commitments when required
    BOARD_REPRESENTATIVES = "board_representatives"  # appoint representatives to the Board


class MembershipStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class Movement(StrEnum):
    JOINED = "joined"
    LEFT = "left"


class Membership(BaseModel):
    participant_id: str
    name: str
    status: MembershipStatus = MembershipStatus.ACTIVE
    joined_on: date
    business_reason: str
    letter: dict[Undertaking, date]
    left_on: date | None = None
    leave_reason: str | None = None
    times_joined: int = 1


class MembershipRecord(BaseModel):
    """One line of a group's membership history; never rewritten."""

    participant_id: str
    movement: Movement
    on: date
    reason: str


def check_letter(letter: Mapping[Undertaking, date], today: date) -> dict[Undertaking, date]:
    """A Letter of Commitment binds only with all six undertakings, none dated in the future."""
    missing = sorted(u.value for u in Undertaking if u not in letter)
    if missing:
        raise RuleViolation(
            "the Letter of Commitment needs all six undertakings; missing: " + ", ".join(missing),
            rule="¶49",
            missing=missing,
        )
    future = sorted(u.value for u, on in letter.items() if on > today)
    if future:
        raise InvalidData(
            "undertakings cannot be accepted in the future: " + ", ".join(future),
            field="letter_of_commitment",
        )
    return dict(sorted(letter.items()))


def check_reason(reason: str, action: str) -> str:
    cleaned = reason.strip()
    if not cleaned:
        raise RuleViolation(
            f"a member {action} a group for a business reason; state it", rule="¶24"
        )
    return cleaned


def member_on(history: list[MembershipRecord], participant_id: str, day: date) -> bool:
    """Whether the participant was a member at the start of `day` (a leave that day ends it)."""
    member = False
    for record in history:
        if record.participant_id != participant_id or record.on > day:
            continue
        member = record.movement is Movement.JOINED
    return member

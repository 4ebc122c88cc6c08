"""Enrolling and updating participants."""

from __future__ import annotations

from datetime import date
from typing import Any

from enrollment.domain.actor import Actor
from enrollment.domain.errors import RuleViolation, StateConflict
from enrollment.domain.identity import Gender, check_curp_matches, parse_curp
from enrollment.domain.participant import Participant
from enrollment.service_layer.container import Services
from megp_common.errors import Conflict
from megp_common.web import check_if_match


async def enroll(
    services: Services,
    actor: Actor,
    participant_id: str,
    *,
    curp: str,
    birth_date: date,
    gender: Gender,
    details: dict[str, Any],
) -> tuple[Participant, bool]:
    """Enroll once per CURP; returns the participant and whether it was created now. A retry of
    the same enrollment (same id) returns the participant enrolled by the first attempt."""
    actor.check_state(details["state"])
    parsed = parse_curp(curp)
    check_curp_matches(parsed, birth_date, gender)
    now = services.now()
    participant = Participant.enroll(participant_id, parsed, details, now, services.terms)
    repo = services.participants
    # the claim (a document whose _id is the CURP) comes first: it is what later lookups read
    holder = await repo.claim_curp(parsed.value, participant_id)
    if holder != participant_id:
        raise _taken(parsed.value, holder)
    existing = await repo.find(participant_id)
    if existing is None:
        try:
            await repo.add(participant)
            return participant, True
        except Conflict:
            # the unique CURP index refused it: enrolled before claims existed, or concurrently
            existing = await repo.find(participant_id) or await repo.scan_by_curp(parsed.value)
            if existing is None:
                raise
            await repo.remember_curp(existing.curp, existing.id)
    if existing.id != participant_id:
        raise _taken(parsed.value, existing.id)
    if existing.curp != parsed.value:  # the id already names someone else: give the CURP back
        await repo.release_curp(parsed.value, participant_id)
        raise StateConflict(f"participant {participant_id} exists with another CURP")
    return existing, False  # a retry of the same enrollment


def _taken(curp: str, holder: str) -> StateConflict:
    return StateConflict(
        f"CURP {curp} is already enrolled as participant {holder}", participant_id=holder
    )


async def update(
    services: Services,
    actor: Actor,
    participant_id: str,
    if_match: str | None,
    changes: dict[str, Any],
) -> Participant:
    """Change what the participant declared; the CURP, birth date and gender never change."""
    participant = await services.participants.get(participant_id)
    actor.check_state(participant.state)
    check_if_match(if_match, participant.version)
    if "state" in changes and changes["state"] != participant.state:
        actor.check_state(changes["state"])
        if participant.group_id is not None:
            raise RuleViolation(
                "a group works within one federal entity: a member moving to another state "
                "leaves the group first",
                rule="decision: groups per federal entity",
                group_id=participant.group_id,
            )
    if participant.update(changes, services.now(), services.terms):
        await services.participants.save(participant)
    return participant

"""Joining and leaving project groups, and registering their Development Organizations.

A participant belongs to at most one group at a time. The participant document says which one
(its `group_id`, also the key of its events); it is claimed before the group admits the member
and released after the member left. A crash between the two writes leaves a claim the group
does not confirm: the next join sees it is stale and takes it over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from enrollment.domain.actor import Actor
from enrollment.domain.errors import DomainRefusal, InvalidData, SheetRejected, StateConflict
from enrollment.domain.group import DevelopmentOrganization, ProjectGroup
from enrollment.domain.identity import parse_company_rfc
from enrollment.domain.membership import Undertaking
from enrollment.domain.participant import Participant
from enrollment.service_layer.container import Services, retrying, scoped, sheet_group
from megp_common.mongo import Shard


def _display_name(p: Participant) -> str:
    return " ".join(n for n in (p.given_names, p.first_surname, p.second_surname) if n)


async def _claim(services: Services, participant_id: str, group: ProjectGroup) -> Participant:
    """Make the participant's document name this group, unless another group really holds it."""

    async def attempt() -> Participant:
        participant = await services.participants.get(participant_id, Shard(group.state))
        if participant.group_id not in (None, group.id):
            other = await services.groups.find(participant.group_id or "", Shard(participant.state))
            if other is not None and other.is_active_member(participant_id):
                raise StateConflict(
                    f"participant {participant_id} is a member of group {other.id}; a "
                    "participant belongs to one group at a time: leave it first",
                    group_id=other.id,
                )
        if participant.group_id != group.id:
            participant.join_group(group.id)
            await services.participants.save(participant)
        return participant

    return await retrying(attempt)


async def join(
    services: Services,
    actor: Actor,
    group_id: str,
    participant_id: str,
    business_reason: str,
    letter: dict[Undertaking, date],
) -> ProjectGroup:
    group = await services.groups.get(group_id, scoped(actor))
    actor.check_state(group.state)
    participant = await services.participants.get(participant_id, Shard(group.state))
    if participant.state != group.state:
        raise InvalidData(
            f"the participant lives in state {participant.state}, the group works in "
            f"{group.state}; groups are formed within one federal entity",
            field="participant_id",
        )
    # Apply the rules to the state just read before claiming anything; the commit applies
    # them again to the state it commits on.
    group.admit(participant_id, _display_name(participant), business_reason, letter, services.now())
    await _claim(services, participant_id, group)
    already_admitted = [group]  # the first attempt commits the state read above (a big document)

    async def attempt() -> ProjectGroup:
        if already_admitted:
            fresh = already_admitted.pop()
        else:  # it changed meanwhile: read it again and apply the rules to what is there now
            fresh = await services.groups.get(group_id, Shard(group.state))
            fresh.admit(
                participant_id, _display_name(participant), business_reason, letter, services.now()
            )
        await services.groups.save(fresh)
        return fresh

    try:
        return await retrying(attempt)
    except Exception:
        await _release(services, participant_id, group)
        raise


@dataclass(frozen=True)
class Joining:
    """One line of an intake sheet: a participant, the business reason, the signed letter."""

    participant_id: str
    business_reason: str
    letter: dict[Undertaking, date]


async def join_many(
    services: Services, actor: Actor, group_id: str, lines: list[Joining]
) -> ProjectGroup:
    """ODF staff enter a whole intake sheet: every line's participant signs the Letter of
    Commitment and joins, or, when any line breaks a rule, nobody joins and every line's
    problem is listed. One read and one write of the group document for the sheet, where one
    join per member would re-write a document that grows with each member."""
    group = await sheet_group(
        services, actor, group_id, lines, what="intake sheet", field="members"
    )
    shard = Shard(group.state)  # a group's members live in its state
    people = await services.participants.find_by_ids(
        [j.participant_id for j in lines], {j.participant_id: shard for j in lines}
    )
    now = services.now()
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    for line in lines:
        pid = line.participant_id
        person = people.get(pid)
        problem: str | None = None
        if pid in seen:
            problem = "appears twice; one line per participant"
        elif person is None:
            problem = "no such participant"
        elif person.state != group.state:
            problem = (
                f"lives in state {person.state}, the group works in {group.state}; groups are "
                "formed within one federal entity"
            )
        elif person.group_id not in (None, group.id):
            other = await services.groups.find(person.group_id or "", Shard(person.state))
            if other is not None and other.is_active_member(pid):
                problem = f"is a member of group {other.id}; leave it first"
        seen.add(pid)
        if problem is None and person is not None:
            try:
                group.admit(pid, _display_name(person), line.business_reason, line.letter, now)
            except DomainRefusal as exc:
                problem = str(exc.detail)
        if problem is not None:
            problems.append({"participant_id": pid, "problem": problem})
    if problems:
        raise SheetRejected("the intake sheet was refused as a whole; nobody joined", problems)
    claimed: list[str] = []
    try:
        # every person's document names the group, in one bulk write for those unchanged since
        # they were read above; anyone changed meanwhile is claimed on their own, read again
        everyone = [people[line.participant_id] for line in lines]
        claimed.extend(p.id for p in everyone if p.group_id == group.id)
        joining = [p for p in everyone if p.group_id != group.id]
        for person in joining:
            person.join_group(group.id)
        stale = {p.id for p in await services.participants.save_many(joining)}
        claimed.extend(p.id for p in joining if p.id not in stale)
        for pid in stale:
            await _claim(services, pid, group)
            claimed.append(pid)
        first = [group]  # the first attempt commits the state validated above

        async def attempt() -> ProjectGroup:
            if first:
                fresh = first.pop()
            else:
                fresh = await services.groups.get(group_id, shard)
                for line in lines:
                    person = people[line.participant_id]
                    fresh.admit(
                        line.participant_id,
                        _display_name(person),
                        line.business_reason,
                        line.letter,
                        services.now(),
                    )
            await services.groups.save(fresh)
            return fresh

        return await retrying(attempt)
    except Exception:
        for pid in claimed:
            await _release(services, pid, group)
        raise


async def leave(
    services: Services, actor: Actor, group_id: str, participant_id: str, reason: str
) -> ProjectGroup:
    async def attempt() -> ProjectGroup:
        group = await services.groups.get(group_id, scoped(actor))
        actor.check_state(group.state)
        group.release(participant_id, reason, services.now())
        await services.groups.save(group)
        return group

    group = await retrying(attempt)
    await _release(services, participant_id, group)
    return group


async def _release(services: Services, participant_id: str, of: ProjectGroup) -> None:
    group_id, shard = of.id, Shard(of.state)

    async def attempt() -> None:
        participant = await services.participants.find(participant_id, shard)
        if participant is not None and participant.group_id == group_id:
            group = await services.groups.find(group_id, shard)
            if group is None or not group.is_active_member(participant_id):
                participant.leave_group(group_id)
                await services.participants.save(participant)

    await retrying(attempt)


async def register_odf(
    services: Services, actor: Actor, group_id: str, legal_name: str, rfc: str, trust_bank: str
) -> DevelopmentOrganization:
    """The group's legal company: its RFC may belong to no other group [¶60]."""
    group = await services.groups.get(group_id, scoped(actor))
    actor.check_state(group.state)
    checked = parse_company_rfc(rfc, check_digit=services.terms.rfc_check_digit)
    group.register_odf(legal_name, checked, trust_bank, services.terms, services.now())
    holder = await services.groups.claim_rfc(checked, group_id)
    if holder != group_id:
        raise StateConflict(
            f"RFC {checked} is registered by the Development Organization of group {holder}",
            group_id=holder,
        )

    async def attempt() -> DevelopmentOrganization:
        fresh = await services.groups.get(group_id, Shard(group.state))
        odf = fresh.register_odf(legal_name, checked, trust_bank, services.terms, services.now())
        await services.groups.save(fresh)
        return odf

    return await retrying(attempt)

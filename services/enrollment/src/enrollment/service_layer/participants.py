"""Enrolling and updating participants."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from pydantic import ValidationError

from enrollment.domain.actor import Actor
from enrollment.domain.errors import (
    DomainRefusal,
    OutOfScope,
    RuleViolation,
    SheetRejected,
    StateConflict,
)
from enrollment.domain.identity import Gender, check_curp_matches, parse_curp
from enrollment.domain.participant import Participant
from enrollment.service_layer.container import Services, scoped
from megp_common.errors import Conflict
from megp_common.mongo import Shard
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
    return await _write(services, participant)


async def _write(services: Services, participant: Participant) -> tuple[Participant, bool]:
    """Store a participant just enrolled (checked, its event recorded), or find the one a
    retry of the same enrollment wrote; returns it and whether it was written now."""
    repo = services.participants
    participant_id, curp = participant.id, participant.curp
    # the claim (a document whose _id is the CURP) comes first: it is what later lookups read
    holder = await repo.claim_curp(curp, participant_id)
    if holder != participant_id:
        raise _taken(curp, holder)
    shard = Shard(participant.state)
    existing = await repo.find(participant_id, shard)
    if existing is None:
        try:
            await repo.add(participant)
            return participant, True
        except Conflict:
            # the unique CURP index refused it: enrolled before claims existed, or concurrently
            existing = await repo.find(participant_id, shard) or await repo.scan_by_curp(curp)
            if existing is None:
                raise
            await repo.remember_curp(existing.curp, existing.id)
    if existing.id != participant_id:
        raise _taken(curp, existing.id)
    if existing.curp != curp:  # the id already names someone else: give the CURP back
        await repo.release_curp(curp, participant_id)
        raise StateConflict(f"participant {participant_id} exists with another CURP")
    return existing, False  # a retry of the same enrollment


@dataclass(frozen=True)
class Registration:
    """One line of a registration sheet: what `enroll` takes for one person."""

    curp: str
    birth_date: date
    gender: Gender
    details: dict[str, Any]


T = TypeVar("T")

SHEET_WRITERS = 8  # lines written at once; the store serialises beyond a few anyway


async def enroll_sheet(
    services: Services, actor: Actor, lines: Sequence[Registration], ids: Sequence[str]
) -> list[Participant]:
    """Enroll every person on a registration sheet, `ids[n]` being line n's participant id.

    A sheet whose people are all outside the caller's states is refused first (OutOfScope,
    403). Otherwise the whole sheet is checked: a line with a bad CURP, a CURP that does not
    match its birth date or gender, a state outside the caller's scope, a CURP twice, or a
    CURP already enrolled under another id refuses the sheet whole (SheetRejected, every line's
    problem listed) and nothing is written. Then each line's participant, built and checked
    once, is written with its event as `enroll` writes one, all in two bulk writes (the
    CURPs' claims, then the participants). The ids come from the sheet's
    Idempotency-Key, so a retry after a crash half-way finds the lines already written as its
    own and completes the rest. A CURP enrolled by someone else between the check and the
    write (a race of milliseconds) is reported as a conflict naming its line; the other lines
    stay enrolled, each a valid participant with its event."""
    if len(lines) != len(ids):
        raise ValueError("one id per line")
    _refuse_lines_out_of_scope(actor, lines)
    now = services.now()
    problems: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    checked: dict[int, Participant] = {}  # line number -> its participant, if the line passed
    for n, (line, pid) in enumerate(zip(lines, ids, strict=True), start=1):
        try:
            actor.check_state(line.details["state"])
            parsed = parse_curp(line.curp)
            check_curp_matches(parsed, line.birth_date, line.gender)
            person = Participant.enroll(pid, parsed, dict(line.details), now, services.terms)
        except DomainRefusal as exc:
            problems.append({"line": n, "curp": line.curp, "problem": exc.detail})
            continue
        except ValidationError as exc:
            problems.append({"line": n, "curp": line.curp, "problem": _first_error(exc)})
            continue
        if parsed.value in first_line:
            problems.append(
                {
                    "line": n,
                    "curp": line.curp,
                    "problem": f"the same CURP as line {first_line[parsed.value]}",
                }
            )
            continue
        first_line[parsed.value] = n
        checked[n] = person
    holders = await services.participants.by_curps({p.curp: p.state for p in checked.values()})
    for n, person in checked.items():
        holder = holders.get(person.curp)
        if holder is not None and holder.id != person.id:
            problems.append(
                {
                    "line": n,
                    "curp": person.curp,
                    "problem": f"already enrolled as participant {holder.id}",
                    "participant_id": holder.id,
                }
            )
    if problems:
        problems.sort(key=lambda p: int(p["line"]))
        raise SheetRejected(
            f"the registration sheet was refused as a whole ({len(problems)} of {len(lines)} "
            "lines have a problem); nobody was enrolled",
            problems,
        )

    async def one(n: int, person: Participant) -> Participant | dict[str, Any]:
        try:
            written, _ = await _write(services, person)
        except StateConflict as exc:
            return {"line": n, "curp": person.curp, "problem": exc.detail, **exc.extensions}
        return written

    # every line passed, so `checked` holds them all, in the sheet's order. Two bulk writes
    # (the claims, then the participants with their events) write what is new; a line either
    # found already stored (a retry of the sheet after a crash; someone enrolling the same
    # CURP meanwhile) is settled on its own, as `enroll` settles one
    repo = services.participants
    claimed_before = await repo.claim_curps({p.curp: p.id for p in checked.values()})
    fresh = [p for p in checked.values() if p.curp not in claimed_before]
    stored_before = {p.id for p in await repo.add_many(fresh)}
    written: dict[int, Participant | dict[str, Any]] = {
        n: p
        for n, p in checked.items()
        if p.curp not in claimed_before and p.id not in stored_before
    }
    rest = [(n, p) for n, p in checked.items() if n not in written]
    for (n, _), outcome in zip(
        rest, await _gathered([one(n, p) for n, p in rest], SHEET_WRITERS), strict=True
    ):
        written[n] = outcome
    done = [written[n] for n in checked]
    conflicts = [d for d in done if isinstance(d, dict)]
    enrolled = [d for d in done if isinstance(d, Participant)]
    if conflicts:
        raise StateConflict(
            f"{len(conflicts)} lines were enrolled by someone else while the sheet was being "
            f"written; the other {len(enrolled)} lines are enrolled",
            problems=conflicts,
            enrolled=[p.id for p in enrolled],
        )
    return enrolled


async def _gathered(work: Sequence[Awaitable[T]], limit: int) -> list[T]:
    """`asyncio.gather` with at most `limit` awaiting at once, results in order."""
    gate = asyncio.Semaphore(limit)

    async def gated(w: Awaitable[T]) -> T:
        async with gate:
            return await w

    return list(await asyncio.gather(*(gated(w) for w in work)))


def _refuse_lines_out_of_scope(actor: Actor, lines: Sequence[Registration]) -> None:
    """A sheet whose people are all of states the caller may not act in is refused as a matter
    of scope (403, the lines listed), before any line is read as data. A sheet with only some
    lines outside (a state code typed wrong) is refused whole with every line's problem, scope
    among them (422), so the office corrects it in one pass."""
    outside = [
        {"line": n, "state": line.details["state"]}
        for n, line in enumerate(lines, start=1)
        if not actor.has_state(line.details["state"])
    ]
    if outside and len(outside) == len(lines):
        states = sorted({str(o["state"]) for o in outside})
        raise OutOfScope(
            f"the caller's scope does not include state {', '.join(states)} "
            f"({len(outside)} of {len(lines)} lines); nobody was enrolled",
            problems=outside,
        )


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return str(exc)
    where = ".".join(str(p) for p in errors[0]["loc"])
    return f"{where}: {errors[0]['msg']}" if where else errors[0]["msg"]


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
    participant = await services.participants.get(participant_id, scoped(actor))
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

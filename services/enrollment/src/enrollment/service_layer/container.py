"""What the use cases work with: repositories, the programme's terms and the clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sized
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from pymongo.asynchronous.database import AsyncDatabase

from enrollment.adapters.repositories import (
    CommitteeRepository,
    GroupPeriodRepository,
    GroupRepository,
    ParticipantRepository,
    PlanBookRepository,
    PlanRepository,
    ProjectRepository,
)
from enrollment.domain.actor import Actor
from enrollment.domain.errors import InvalidData
from enrollment.domain.group import ProjectGroup
from enrollment.domain.terms import ProgrammeTerms
from megp_common.clock import Clock
from megp_common.mongo import ConcurrencyConflict, Document, OutboxWriter, Shard
from megp_common.retry import retry_on_conflict
from megp_common.web import IdempotencyStore

T = TypeVar("T")


@dataclass
class Services:
    db: AsyncDatabase[Document]
    clock: Clock
    terms: ProgrammeTerms
    default_period_months: int
    participants: ParticipantRepository
    projects: ProjectRepository
    groups: GroupRepository
    committees: CommitteeRepository
    plans: PlanRepository
    plan_books: PlanBookRepository
    periods: GroupPeriodRepository
    idempotency: IdempotencyStore

    @classmethod
    def build(
        cls,
        db: AsyncDatabase[Document],
        outbox: OutboxWriter,
        clock: Clock,
        terms: ProgrammeTerms,
        default_period_months: int = 1,
    ) -> Services:
        return cls(
            db=db,
            clock=clock,
            terms=terms,
            default_period_months=default_period_months,
            participants=ParticipantRepository(db, outbox),
            projects=ProjectRepository(db, outbox),
            groups=GroupRepository(db, outbox),
            committees=CommitteeRepository(db, outbox),
            plans=PlanRepository(db, outbox),
            plan_books=PlanBookRepository(db, outbox),
            periods=GroupPeriodRepository(db, outbox),
            idempotency=IdempotencyStore(db["idempotency"], clock),
        )

    def now(self) -> datetime:
        return self.clock.now()


def scoped(actor: Actor, group_id: str | None = None) -> Shard:
    """The shard hint an HTTP caller gives: its state when its scope is one state, and the
    group the path names (docs/architecture.md, "MongoDB sharding")."""
    return Shard.in_scope(actor.states, group_id)


async def retrying(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run a command again from a fresh read when someone else committed in between (the
    platform's one retry loop, megp_common.retry). Every attempt re-applies the rules to the
    state it reads, so retrying is always safe."""
    return await retry_on_conflict(attempt, ConcurrencyConflict)


MAX_SHEET_LINES = 500


async def sheet_group(
    services: Services, actor: Actor, group_id: str, lines: Sized, *, what: str, field: str
) -> ProjectGroup:
    """What every whole-group sheet (intake, plans) checks first: between one and
    MAX_SHEET_LINES lines, a group that exists, in the caller's scope."""
    if not len(lines):
        raise InvalidData(f"the {what} needs at least one line", field=field)
    if len(lines) > MAX_SHEET_LINES:
        raise InvalidData(f"at most {MAX_SHEET_LINES} lines per {what}", field=field)
    group = await services.groups.get(group_id, scoped(actor))
    actor.check_state(group.state)
    return group

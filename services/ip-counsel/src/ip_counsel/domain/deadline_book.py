"""The deadlines a filing keeps, and the scheduler's tick over them.

A filing's deadlines are records (`Deadline`) computed by the engine (`deadlines`); this base of
the `Filing` aggregate opens them (announcing each with its due date, reminder days and fee),
closes them (met, missed, superseded) and ends the filing when one is missed beyond its late
period. `due(today)` handles everything that happened by `today` in date order, as if the tick
had run every day: a scheduler that was down a year misses the annuity, opens its late period,
misses that too and lapses the right, in that order, with the dates each happened on. Each
miss and each reminder is announced once: the deadline records the reminder days it announced.
When several reminder days passed unannounced (a tick after a gap), one reminder goes out, the
latest; the earlier ones are recorded as announced (they are stale).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from ip_counsel.domain import deadlines as engine
from ip_counsel.domain.deadlines import Deadline, Outcome
from ip_counsel.domain.filing_rules import DeadlineKind
from megp_common.aggregate import Aggregate
from megp_common.contracts import ip_counsel as ev
from megp_common.events import EventPayload
from megp_common.refusals import Missing


class FilingStatus(StrEnum):
    DRAFTED = "drafted"
    FILED = "filed"
    PUBLISHED = "published"
    IN_EXAMINATION = "in_examination"
    ALLOWED = "allowed"
    GRANTED = "granted"
    IN_FORCE = "in_force"
    LAPSED = "lapsed"
    EXPIRED = "expired"
    ABANDONED = "abandoned"


ENDED = frozenset({FilingStatus.LAPSED, FilingStatus.EXPIRED, FilingStatus.ABANDONED})
TITLED = frozenset({FilingStatus.GRANTED, FilingStatus.IN_FORCE})

#: What a deadline missed beyond any late period costs (the law's structure, not a setting).
CONSEQUENCE: dict[DeadlineKind, str] = {
    DeadlineKind.NOVELTY_GRACE: "lapsed",  # the disclosure now destroys the invention's novelty
    DeadlineKind.PRIORITY: "priority_lost",  # the filing stands; filings abroad lose priority
    DeadlineKind.NATIONAL_PHASE: "lapsed",
    DeadlineKind.OFFICE_ACTION: "abandoned",
    DeadlineKind.GRANT_FEE: "abandoned",
    DeadlineKind.ANNUITY: "lapsed",
    DeadlineKind.RENEWAL: "lapsed",
    DeadlineKind.USE_DECLARATION: "lapsed",
}


@dataclass
class DueReport:
    """What one `due(today)` call found: the deadlines missed, the reminders to send."""

    missed: list[Deadline] = field(default_factory=list)
    reminders: list[Deadline] = field(default_factory=list)
    ended: FilingStatus | None = None


class DeadlineBook(Aggregate):
    status: FilingStatus = FilingStatus.DRAFTED
    reminder_days: list[int]
    currency: str = "MXN"
    expires_on: date | None = None
    ended_on: date | None = None
    deadlines: list[Deadline] = []

    def deadline(self, deadline_id: str) -> Deadline:
        for d in self.deadlines:
            if d.id == deadline_id:
                return d
        raise Missing(f"filing {self.id} has no deadline {deadline_id}")

    def open_deadlines(self) -> list[Deadline]:
        return sorted((d for d in self.deadlines if d.is_open), key=lambda d: d.due_on)

    # -- the scheduler's tick

    def due(self, today: date) -> DueReport:
        """Everything that `today` makes happen, in date order, each reported once."""
        report = DueReport()
        while (step := self._next_happening(today)) is not None:
            when, d = step
            if d is None:
                assert self.expires_on is not None
                self._end(
                    FilingStatus.EXPIRED,
                    when,
                    "expired",
                    ev.FilingExpired(
                        filing_id=self.id, expires_on=self.expires_on, expired_on=when
                    ),
                )
                report.ended = self.status
                break
            report.missed.append(d)
            self._miss(d, when)
            if self.status in ENDED:
                report.ended = self.status
        for d in self.open_deadlines():
            passed = [r for r in d.reminders if r <= today and r not in d.announced]
            if not passed:
                continue
            d.announced.extend(passed)
            self.record(
                ev.DeadlineReminderDue(
                    filing_id=self.id,
                    deadline_id=d.id,
                    kind=d.kind.value,
                    due_on=d.due_on,
                    reminder_on=passed[-1],
                    days_left=(d.due_on - today).days,
                )
            )
            report.reminders.append(d)
        return report

    def wake_on(self) -> date | None:
        """The first day on which `due` would do something: an unannounced reminder day, the
        day after an open deadline's due day, the day after the term's last day (a titled
        right). None once the filing ended. The scheduler looks only at filings whose day came;
        after `due(today)` it is always after `today`."""
        if self.status in ENDED:
            return None
        days: list[date] = []
        if self.status in TITLED and self.expires_on is not None:
            days.append(self.expires_on + timedelta(days=1))
        for d in self.open_deadlines():
            days.append(d.due_on + timedelta(days=1))
            days.extend(r for r in d.reminders if r not in d.announced)
        return min(days, default=None)

    def _next_happening(self, today: date) -> tuple[date, Deadline | None] | None:
        """The earliest of: the day after an open deadline's due day, the day after the term's
        last day. On the same day the term's end comes first: a right that ran its full term
        expired, it did not lapse."""
        if self.status in ENDED:
            return None
        found: tuple[date, Deadline | None] | None = None
        if self.status in TITLED and self.expires_on is not None and self.expires_on < today:
            found = (self.expires_on + timedelta(days=1), None)
        for d in self.open_deadlines():
            missed_on = d.due_on + timedelta(days=1)
            if d.due_on < today and (found is None or missed_on < found[0]):
                found = (missed_on, d)
        return found

    def _miss(self, d: Deadline, on: date) -> None:
        late = engine.late_period(d.spec())
        consequence = "late_period" if late else CONSEQUENCE[d.kind]
        self._close(d, Outcome.MISSED, on)
        self.record(
            ev.DeadlineMissed(
                filing_id=self.id,
                deadline_id=d.id,
                kind=d.kind.value,
                due_on=d.due_on,
                missed_on=on,
                consequence=consequence,
                late_deadline_id=late.key if late else None,
            )
        )
        if late is not None:
            self._open(late, on)
        elif consequence == "lapsed":
            self._end(
                FilingStatus.LAPSED,
                on,
                "lapsed",
                ev.FilingLapsed(
                    filing_id=self.id, lapsed_on=on, deadline_id=d.id, kind=d.kind.value
                ),
            )
        elif consequence == "abandoned":
            self._end(
                FilingStatus.ABANDONED,
                on,
                "abandoned",
                ev.FilingAbandoned(
                    filing_id=self.id,
                    abandoned_on=on,
                    reason="deadline_missed",
                    deadline_id=d.id,
                ),
            )

    def _find(self, kind: DeadlineKind) -> Deadline | None:
        return next((d for d in reversed(self.deadlines) if d.kind is kind), None)

    def _open(self, spec: engine.DeadlineSpec, today: date) -> Deadline:
        opened_on = max(today, spec.trigger_on)
        reminders = engine.reminder_dates(spec.due_on, opened_on, self.reminder_days)
        d = Deadline.of(spec, opened_on, reminders)
        self.deadlines.append(d)
        self.record(
            ev.DeadlineOpened(
                filing_id=self.id,
                deadline_id=d.id,
                kind=d.kind.value,
                trigger=d.trigger,
                trigger_on=d.trigger_on,
                opened_on=d.opened_on,
                due_on=d.due_on,
                reminders=d.reminders,
                late=d.late,
                block=d.block,
                fee=d.fee,
                surcharge=d.surcharge,
                currency=self.currency,
            )
        )
        return d

    def _close(self, d: Deadline, outcome: Outcome, on: date) -> None:
        d.outcome, d.closed_on = outcome, on
        if outcome is Outcome.MET:
            self.record(
                ev.DeadlineMet(
                    filing_id=self.id,
                    deadline_id=d.id,
                    kind=d.kind.value,
                    due_on=d.due_on,
                    met_on=on,
                    late=d.late,
                    fee=d.fee,
                    surcharge=d.surcharge,
                    currency=self.currency,
                )
            )

    def _end(self, status: FilingStatus, on: date, reason: str, why: EventPayload) -> None:
        """The filing ends (announced by `why`), then whatever still ran is superseded."""
        self.status, self.ended_on = status, on
        self.record(why)
        for d in self.open_deadlines():
            self._close(d, Outcome.SUPERSEDED, on)
            self.record(
                ev.DeadlineSuperseded(
                    filing_id=self.id,
                    deadline_id=d.id,
                    kind=d.kind.value,
                    superseded_on=on,
                    reason=reason,
                )
            )

"""A filing at IMPI and the deadlines that keep its right alive.

Life: drafted -> filed -> published -> in examination (office actions, each with its answer's
deadline) -> allowed (grant fee due) -> granted (title number) -> in force (the grant published
in IMPI's gazette); it ends lapsed (a statutory deadline missed beyond any late period), expired
(its term's last day passed) or abandoned (withdrawn, or deemed abandoned when an office action
or the grant fee went unanswered). A trade secret is never filed [RULES.md].

A filing keeps the rules of its type as they were when it was drafted (`rule`, a copy of the
settings' row): a later change of the settings applies to new filings, as a reform's
transitional articles usually keep pending files under the old law.

Dates, not instants: every verb takes `today` (the shared clock's date, the caller's) and the
dates of the facts, which may be earlier than today (a filing recorded after the fact), never
later. The deadlines themselves and the scheduler's tick, `due(today)`, are the base class's
(`deadline_book.DeadlineBook`).

Refusals: a date in the future or before the fact it follows, a filing date before the
disclosure or after the novelty grace, a trade secret or an unknown type: 422; a verb the
filing's state does not allow (grant before allowance, anything once it ended): 409.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel

from ip_counsel.domain import deadlines as engine
from ip_counsel.domain.deadline_book import ENDED, DeadlineBook, FilingStatus
from ip_counsel.domain.deadlines import Deadline, Outcome
from ip_counsel.domain.filing_rules import RULE, DeadlineKind, FilingTypeRule, NotFiled
from megp_common.contracts import ip_counsel as ev
from megp_common.refusals import RuleViolation, StateConflict


class Payer(StrEnum):
    """Who paid a fee to IMPI: the inventors themselves, or their group's ODF."""

    INVENTORS = "inventors"
    ODF = "odf"


class FinancingSource(StrEnum):
    COMPETITION_FUND = "competition_fund"
    LOAN = "loan"


#: The Competition Sub-Fund's purposes a fee fits (the funds service's names for them).
FUND_PURPOSES = frozenset({"scientific_technological_research", "samples_designs_innovations"})


class FeePayment(BaseModel):
    deadline_id: str
    amount: Decimal
    currency: str = "MXN"
    paid_on: date
    paid_by: Payer
    payer: str
    odf_id: str | None = None


class FinancingRequest(BaseModel):
    deadline_id: str
    amount: Decimal
    source: FinancingSource
    purpose: str | None = None
    requested_by: str
    requested_on: date


class Filing(DeadlineBook):
    disclosure_id: str
    filing_type: str
    rule: FilingTypeRule
    route: str = "national"
    inventors: list[str]
    group_id: str | None = None
    state: str | None = None
    disclosure_recorded_on: date
    public_disclosure_on: date | None = None
    priority_claimed_on: date | None = None
    drafted_on: date
    application_number: str | None = None
    filed_on: date | None = None
    published_on: date | None = None
    examined_on: date | None = None
    allowed_on: date | None = None
    title_number: str | None = None
    granted_on: date | None = None
    in_force_on: date | None = None
    office_actions: int = 0
    payments: list[FeePayment] = []
    financing: list[FinancingRequest] = []
    #: ids of the requests already applied (a retry after a crash finds its effect here)
    requests: list[str] = []

    def partition_key(self) -> str:
        return self.group_id or self.inventors[0]

    def state_code(self) -> str | None:
        return self.state

    @property
    def priority_on(self) -> date | None:
        return self.priority_claimed_on or self.filed_on

    # -- the life of a filing

    @classmethod
    def draft(
        cls,
        *,
        id: str,
        disclosure_id: str,
        filing_type: str,
        rule: FilingTypeRule,
        reminder_days: list[int],
        inventors: list[str],
        disclosure_recorded_on: date,
        today: date,
        route: str = "national",
        group_id: str | None = None,
        state: str | None = None,
        public_disclosure_on: date | None = None,
        priority_claimed_on: date | None = None,
        currency: str = "MXN",
    ) -> Filing:
        if not rule.filed:
            raise NotFiled(filing_type)
        if not inventors:
            raise RuleViolation("a filing names at least one inventor", rule=RULE)
        if route not in ("national", "pct"):
            raise RuleViolation(f"route {route!r} is national or pct", rule=RULE)
        if route == "pct" and rule.national_phase is None:
            raise RuleViolation(f"a {filing_type} has no PCT route", rule=RULE)
        for name, day in (
            ("the disclosure", disclosure_recorded_on),
            ("the public disclosure", public_disclosure_on),
            ("the priority date", priority_claimed_on),
        ):
            if day is not None:
                cls._not_after_today(name, day, today)
        if priority_claimed_on is not None and rule.priority is None:
            raise RuleViolation(f"a {filing_type} claims no priority", rule=RULE)
        grace = engine.novelty_grace(rule, public_disclosure_on) if public_disclosure_on else None
        if grace is not None and grace.due_on < today:
            raise RuleViolation(
                f"the novelty grace after the public disclosure of {public_disclosure_on} "
                f"ended on {grace.due_on}: the invention is no longer new",
                rule=RULE,
                grace_ended_on=grace.due_on.isoformat(),
            )
        filing = cls(
            id=id,
            disclosure_id=disclosure_id,
            filing_type=filing_type,
            rule=rule,
            reminder_days=list(reminder_days),
            currency=currency,
            route=route,
            inventors=list(inventors),
            group_id=group_id,
            state=state,
            disclosure_recorded_on=disclosure_recorded_on,
            public_disclosure_on=public_disclosure_on,
            priority_claimed_on=priority_claimed_on,
            drafted_on=today,
        )
        filing.record(
            ev.FilingDrafted(
                filing_id=id,
                disclosure_id=disclosure_id,
                filing_type=filing_type,
                route=route,
                inventors=filing.inventors,
                group_id=group_id,
                state_code=state,
                public_disclosure_on=public_disclosure_on,
                priority_on=priority_claimed_on,
                drafted_on=today,
            )
        )
        if grace is not None:
            filing._open(grace, today)
        return filing

    def submit(self, application_number: str, filed_on: date, today: date) -> None:
        self._require(FilingStatus.DRAFTED, "filed")
        self._not_after_today("the filing date", filed_on, today)
        if filed_on < self.disclosure_recorded_on:
            raise RuleViolation(
                f"the filing date {filed_on} is before the disclosure of "
                f"{self.disclosure_recorded_on}",
                rule=RULE,
                disclosed_on=self.disclosure_recorded_on.isoformat(),
            )
        if not application_number.strip():
            raise RuleViolation("a filing has the application number IMPI gave", rule=RULE)
        grace = self._find(DeadlineKind.NOVELTY_GRACE)
        if grace is not None and grace.is_open and filed_on > grace.due_on:
            raise RuleViolation(
                f"filed on {filed_on}, after the novelty grace ended on {grace.due_on}",
                rule=RULE,
                grace_ended_on=grace.due_on.isoformat(),
            )
        if self.priority_claimed_on is not None:
            assert self.rule.priority is not None  # checked when drafted
            until = engine.add_months(self.priority_claimed_on, self.rule.priority.months)
            if not self.priority_claimed_on <= filed_on <= until:
                raise RuleViolation(
                    f"a priority of {self.priority_claimed_on} is claimed from then until "
                    f"{until}; filed on {filed_on}",
                    rule=RULE,
                )
        self.status, self.filed_on = FilingStatus.FILED, filed_on
        self.application_number = application_number
        if self.rule.term_from == "filing":
            self.expires_on = engine.expiry(self.rule, filed_on, None)
        self.record(
            ev.FilingSubmitted(
                filing_id=self.id,
                filing_type=self.filing_type,
                application_number=application_number,
                filed_on=filed_on,
                priority_on=self.priority_on or filed_on,
                expires_on=self.expires_on,
                fee=self.rule.filing_fee,
                currency=self.currency,
            )
        )
        if grace is not None and grace.is_open:
            self._close(grace, Outcome.MET, filed_on)
        if self.route == "pct":
            spec = engine.national_phase(self.rule, self.priority_on or filed_on)
        elif self.priority_claimed_on is None:  # only a first filing opens the Paris period
            spec = engine.priority(self.rule, filed_on)
        else:
            spec = None
        if spec is not None:
            self._open(spec, today)

    def publish(self, on: date, today: date) -> None:
        self._require(FilingStatus.FILED, "published")
        self._dated("publication", on, self.filed_on, today)
        self.status, self.published_on = FilingStatus.PUBLISHED, on
        self.record(ev.FilingPublished(filing_id=self.id, published_on=on))

    def start_examination(self, on: date, today: date) -> None:
        self._require(FilingStatus.PUBLISHED, "examined")
        self._dated("the examination", on, self.published_on, today)
        self.status, self.examined_on = FilingStatus.IN_EXAMINATION, on
        self.record(ev.FilingExaminationStarted(filing_id=self.id, started_on=on))

    def receive_office_action(self, received_on: date, today: date) -> Deadline:
        self._require(FilingStatus.IN_EXAMINATION, "sent an office action")
        self._dated("the office action", received_on, self.examined_on, today)
        if self.rule.office_action is None:
            raise RuleViolation(f"a {self.filing_type} has no office-action rule", rule=RULE)
        self.office_actions += 1
        spec = engine.office_action_response(self.rule, self.office_actions, received_on)
        self.record(
            ev.OfficeActionReceived(
                filing_id=self.id,
                number=self.office_actions,
                received_on=received_on,
                deadline_id=spec.key,
                respond_by=spec.due_on,
            )
        )
        return self._open(spec, today)

    def allow(self, on: date, today: date) -> None:
        self._require(FilingStatus.IN_EXAMINATION, "allowed")
        self._dated("the allowance", on, self.examined_on, today)
        pending = [d.id for d in self.open_deadlines() if d.kind is DeadlineKind.OFFICE_ACTION]
        if pending:
            raise StateConflict(
                f"filing {self.id} has an office action unanswered", deadlines=pending
            )
        self.status, self.allowed_on = FilingStatus.ALLOWED, on
        spec = engine.grant_fee(self.rule, on)
        self.record(
            ev.FilingAllowed(
                filing_id=self.id, allowed_on=on, grant_fee_due_on=spec.due_on if spec else None
            )
        )
        if spec is not None:
            self._open(spec, today)

    def grant(self, title_number: str, granted_on: date, today: date) -> None:
        self._require(FilingStatus.ALLOWED, "granted")
        self._dated("the grant", granted_on, self.allowed_on, today)
        fee = self._find(DeadlineKind.GRANT_FEE)
        if fee is not None and fee.outcome is not Outcome.MET:
            raise StateConflict(f"filing {self.id}'s grant fee is not paid", deadline_id=fee.id)
        if not title_number.strip():
            raise RuleViolation("a grant has the title number IMPI gave", rule=RULE)
        assert self.filed_on is not None
        self.status, self.granted_on = FilingStatus.GRANTED, granted_on
        self.title_number = title_number
        self.expires_on = engine.expiry(self.rule, self.filed_on, granted_on)
        self.record(
            ev.FilingGranted(
                filing_id=self.id,
                title_number=title_number,
                granted_on=granted_on,
                expires_on=self.expires_on,
            )
        )
        for spec in self._maintenance_after_grant(granted_on):
            self._open(spec, today)

    def publish_grant(self, on: date, today: date) -> None:
        self._require(FilingStatus.GRANTED, "put in force")
        self._dated("the grant's publication", on, self.granted_on, today)
        self.status, self.in_force_on = FilingStatus.IN_FORCE, on
        self.record(ev.FilingInForce(filing_id=self.id, in_force_on=on))

    def abandon(self, on: date, today: date) -> None:
        """The inventors withdraw the application or give up the right."""
        if self.status in ENDED:
            raise StateConflict(f"filing {self.id} is {self.status.value} already")
        self._dated("the abandonment", on, self.drafted_on, today)
        self._end(
            FilingStatus.ABANDONED,
            on,
            "abandoned",
            ev.FilingAbandoned(filing_id=self.id, abandoned_on=on, reason="withdrawn"),
        )

    def meet(self, deadline_id: str, on: date, today: date) -> Deadline:
        """The act a deadline asks for was done on `on` (the fee paid, the answer or the filing
        abroad made, the national phase entered), on time or in its late period."""
        d = self.deadline(deadline_id)
        if self.status in ENDED:
            raise StateConflict(f"filing {self.id} is {self.status.value}")
        if d.kind is DeadlineKind.NOVELTY_GRACE:
            raise StateConflict("the novelty grace is met by filing the application")
        if not d.is_open:
            raise StateConflict(f"deadline {d.id} is {d.outcome.value}", deadline_id=d.id)
        # a late period starts the day after the original due date
        earliest = d.trigger_on + timedelta(days=1) if d.late else d.trigger_on
        self._dated(f"meeting {d.id}", on, earliest, today)
        if on > d.due_on:
            raise RuleViolation(f"{d.id} was due by {d.due_on}; {on} is late", rule=RULE)
        self._close(d, Outcome.MET, on)
        nxt = self._next_maintenance(d)
        if nxt is not None:
            self._open(nxt, today)
        return d

    def settle(
        self,
        deadline_id: str,
        on: date,
        today: date,
        kinds: frozenset[DeadlineKind],
        payment: FeePayment | None = None,
    ) -> Deadline:
        """Meet a deadline of one of `kinds`; when it costs something (`amount_due`: the fee
        and any surcharge, in MXN) the payment is recorded with who paid it, and it must be
        exactly the amount due (422 otherwise, as is a payment where nothing is due)."""
        d = self.deadline(deadline_id)
        if d.kind not in kinds:
            raise RuleViolation(
                f"{d.id} is a {d.kind.value} deadline; this act meets "
                f"{', '.join(sorted(k.value for k in kinds))}",
                rule=RULE,
                deadline_id=d.id,
            )
        due = d.amount_due
        if payment is None and due > 0:
            raise RuleViolation(
                f"{d.id} costs {due} {self.currency}: say who paid it",
                rule=RULE,
                amount_due=str(due),
            )
        if payment is not None:
            if due == 0:
                raise RuleViolation(f"{d.id} has no fee to pay", rule=RULE, deadline_id=d.id)
            if payment.amount != due or payment.currency != self.currency:
                raise RuleViolation(
                    f"{d.id} costs {due} {self.currency}, not {payment.amount} {payment.currency}",
                    rule=RULE,
                    amount_due=str(due),
                )
            if payment.paid_on != on:
                raise RuleViolation("a fee is paid on the day the deadline is met", rule=RULE)
        met = self.meet(deadline_id, on, today)
        if payment is not None:
            self.payments.append(payment)
            self.record(
                ev.FeePaid(
                    filing_id=self.id,
                    deadline_id=d.id,
                    kind=d.kind.value,
                    amount=payment.amount,
                    currency=payment.currency,
                    paid_on=payment.paid_on,
                    paid_by=payment.paid_by.value,
                    payer=payment.payer,
                    odf_id=payment.odf_id,
                )
            )
        return met

    def request_financing(
        self,
        deadline_id: str,
        source: FinancingSource,
        purpose: str | None,
        by: str,
        today: date,
    ) -> FinancingRequest:
        """The inventors ask for an open fee to be financed: announced only (funds and credit
        decide by their own rules). Once per deadline and source (409 again)."""
        d = self.deadline(deadline_id)
        if self.status in ENDED or not d.is_open:
            raise StateConflict(f"deadline {d.id} is not open", deadline_id=d.id)
        if d.amount_due <= 0:
            raise RuleViolation(f"{d.id} has no fee to finance", rule=RULE, deadline_id=d.id)
        if source is FinancingSource.COMPETITION_FUND and purpose not in FUND_PURPOSES:
            raise RuleViolation(
                f"the Competition Sub-Fund pays a fee as one of {sorted(FUND_PURPOSES)}",
                rule="RULES.md, Competition Sub-Fund [¶72]",
                field="purpose",
            )
        if source is FinancingSource.LOAN and purpose is not None:
            raise RuleViolation("a loan names no Competition Sub-Fund purpose", rule=RULE)
        if any(f.deadline_id == d.id and f.source is source for f in self.financing):
            raise StateConflict(
                f"financing of {d.id} by {source.value} was asked already", deadline_id=d.id
            )
        asked = FinancingRequest(
            deadline_id=d.id,
            amount=d.amount_due,
            source=source,
            purpose=purpose,
            requested_by=by,
            requested_on=today,
        )
        self.financing.append(asked)
        self.record(
            ev.FeeFinancingRequested(
                filing_id=self.id,
                disclosure_id=self.disclosure_id,
                group_id=self.group_id,
                state_code=self.state,
                deadline_id=d.id,
                kind=d.kind.value,
                amount=asked.amount,
                currency=self.currency,
                due_on=d.due_on,
                source=source.value,
                purpose=purpose,
                requested_by=by,
                requested_on=today,
            )
        )
        return asked

    # -- helpers

    def _maintenance_after_grant(self, granted_on: date) -> list[engine.DeadlineSpec]:
        specs: list[engine.DeadlineSpec | None] = []
        if self.rule.annuity is not None:
            specs.append(engine.annuity_block(self.rule.annuity, granted_on, 2, self.expires_on))
        if self.rule.renewal is not None:
            start = self._term_start()
            n = engine.first_renewal_after(self.rule.renewal, start, granted_on)
            specs.append(engine.renewal(self.rule.renewal, start, n, self.expires_on))
        specs.append(engine.use_declaration(self.rule, granted_on))
        return [s for s in specs if s is not None]

    def _next_maintenance(self, met: Deadline) -> engine.DeadlineSpec | None:
        """Paying an annuity block or a renewal opens the next one (if the term has room)."""
        if met.block is None:
            return None
        if met.kind is DeadlineKind.ANNUITY and self.rule.annuity is not None:
            assert self.granted_on is not None
            return engine.annuity_block(
                self.rule.annuity, self.granted_on, met.block + 1, self.expires_on
            )
        if met.kind is DeadlineKind.RENEWAL and self.rule.renewal is not None:
            return engine.renewal(
                self.rule.renewal, self._term_start(), met.block + 1, self.expires_on
            )
        return None

    def _term_start(self) -> date:
        start = self.filed_on if self.rule.term_from == "filing" else self.granted_on
        assert start is not None
        return start

    def _require(self, status: FilingStatus, verb: str) -> None:
        if self.status is not status:
            raise StateConflict(
                f"filing {self.id} is {self.status.value}; only a {status.value} one is {verb}",
                filing_status=self.status.value,
            )

    @staticmethod
    def _not_after_today(name: str, day: date, today: date) -> None:
        if day > today:
            raise RuleViolation(f"{name} ({day}) is after today ({today})", rule=RULE)

    def _dated(self, name: str, on: date, earliest: date | None, today: date) -> None:
        self._not_after_today(f"the date of {name}", on, today)
        if earliest is not None and on < earliest:
            raise RuleViolation(f"{name} ({on}) comes before {earliest}", rule=RULE)

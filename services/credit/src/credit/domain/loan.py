"""A loan to an ODF or a member: applied, approved by the board and the lender, disbursed with an
exact schedule, its instalments falling due, paid by the fund or the borrower, or overdue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, model_validator

from credit.domain.delinquency import days_past_due
from credit.domain.errors import InvalidTransition, NotAuthorized
from credit.domain.lenders import LenderOfRecord, lender_on
from credit.domain.schedule import AmortizationMethod, build_schedule
from megp_common.aggregate import Aggregate
from megp_common.contracts import credit as ev


class LoanStatus(StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"
    ACTIVE = "active"
    REPAID = "repaid"


class InstalmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    DUE = "due"
    PAID = "paid"
    OVERDUE = "overdue"


class Instalment(BaseModel):
    """One line of the schedule. `settled_on` is the day the lender was actually paid (the day the
    trust paid it, or the borrower did): its lateness counts from that, whenever the news of it
    reached credit (`recorded_on`). `borrower_on_time` is the borrower's own conduct [¶84]: their
    payment by the due date, or, when the fund paid, their replenishment within the grace period;
    None while it is not known yet."""

    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    status: InstalmentStatus = InstalmentStatus.SCHEDULED
    paid_on: date | None = None  # the same day as settled_on (kept for earlier readers)
    paid_by: str | None = None
    was_late: bool = False
    settled_on: date | None = None
    recorded_on: date | None = None
    days_late: int = 0
    replenished_on: date | None = None
    borrower_on_time: bool | None = None
    #: who was paid: the lender of record on the due date (as funds names it when it paid)
    payee: str | None = None

    @model_validator(mode="after")
    def _settled_from_paid(self) -> Instalment:
        # a document written before settled_on existed: it was settled the day it was paid
        if self.status is InstalmentStatus.PAID and self.settled_on is None:
            self.settled_on = self.paid_on
        return self

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest

    @property
    def awaits_replenishment(self) -> bool:
        return self.paid_by == "fund" and self.borrower_on_time is None


class Loan(Aggregate):
    group_id: str
    state: str | None = None
    line_id: str
    borrower_kind: str
    borrower_id: str
    amount: Decimal
    purpose: str
    term_months: int
    business_plan_id: str | None = None
    method: AmortizationMethod = AmortizationMethod.FRENCH
    lender: str
    applied_on: date
    status: LoanStatus = LoanStatus.APPLIED
    board_approved_by: str | None = None
    lender_approved: bool = False
    annual_rate: Decimal | None = None
    disbursed_on: date | None = None
    instalments: list[Instalment] = []
    repaid_on: date | None = None
    on_time: bool | None = None
    #: every lender of record with its from-date; `lender` is the one in effect now
    lenders: list[LenderOfRecord] = []

    @model_validator(mode="after")
    def _history_from_lender(self) -> Loan:
        if not self.lenders:  # a loan stored before the history existed
            self.lenders = [LenderOfRecord(lender=self.lender, since=self.applied_on)]
        return self

    def lender_on(self, day: date) -> str:
        """The lender of record on `day` (the payee of an instalment due that day)."""
        return lender_on(self.lenders, day)

    def pass_to(self, lender: str, since: date) -> bool:
        """The line was taken over: this loan, not yet repaid, moves to `lender` from `since`
        [¶83, ¶90]. One the previous lender approved but did not disburse waits again for the
        new lender's approval (the board's stays). False when it moved already or is closed."""
        if self.status in (LoanStatus.REPAID, LoanStatus.REJECTED):
            return False
        if self.lender == lender:
            return False  # moved already, or applied for once the new lender lent
        if self.status in (LoanStatus.APPLIED, LoanStatus.APPROVED):
            self.status, self.lender_approved = LoanStatus.APPLIED, False
        self.lenders.append(LenderOfRecord(lender=lender, since=since))
        self.lender = lender
        return True

    def partition_key(self) -> str:
        return self.group_id

    def state_code(self) -> str | None:
        return self.state

    def _ids(self) -> dict[str, str | None]:
        return {
            "group_id": self.group_id,
            "state_code": self.state,
            "loan_id": self.id,
            "line_id": self.line_id,
            "borrower_kind": self.borrower_kind,
            "borrower_id": self.borrower_id,
        }

    @classmethod
    def apply(cls, **fields: object) -> Loan:
        loan = cls.model_validate(fields)
        loan.record(
            ev.LoanApplied(
                **loan._ids(),
                amount=loan.amount,
                purpose=loan.purpose,
                term_months=loan.term_months,
                business_plan_id=loan.business_plan_id,
                applied_on=loan.applied_on,
            )
        )
        return loan

    def expect_status(self, *statuses: LoanStatus) -> None:
        if self.status not in statuses:
            raise InvalidTransition(f"loan {self.id} is {self.status}")

    def approve_by_board(self, participant_id: str, board: frozenset[str], on: date) -> None:
        """Only the group's board representatives decide [¶55]."""
        self.expect_status(LoanStatus.APPLIED)
        if participant_id not in board:
            raise NotAuthorized("only the group's board representatives approve its loans [¶55]")
        self.board_approved_by = participant_id
        self._approved_if_complete(on)

    def approve_by_lender(self, lender: str, on: date) -> None:
        self.expect_status(LoanStatus.APPLIED)
        if lender != self.lender:
            raise NotAuthorized(f"this loan's lender is {self.lender}, not {lender}")
        self.lender_approved = True
        self._approved_if_complete(on)

    def _approved_if_complete(self, on: date) -> None:
        if self.board_approved_by and self.lender_approved:
            self.status = LoanStatus.APPROVED
            self.record(
                ev.LoanApproved(
                    **self._ids(),
                    board_representative_id=self.board_approved_by,
                    lender=self.lender,
                    approved_on=on,
                )
            )

    def reject(self, reason: str, by: str, on: date) -> None:
        self.expect_status(LoanStatus.APPLIED, LoanStatus.APPROVED)
        self.status = LoanStatus.REJECTED
        self.record(ev.LoanRejected(**self._ids(), reason=reason, rejected_by=by, rejected_on=on))

    def disburse(self, on: date, annual_rate: Decimal, first_due: date) -> None:
        self.expect_status(LoanStatus.APPROVED)
        lines = build_schedule(self.amount, annual_rate, self.term_months, first_due, self.method)
        self.instalments = [
            Instalment(
                number=x.number, due_date=x.due_date, principal=x.principal, interest=x.interest
            )
            for x in lines
        ]
        self.status, self.annual_rate, self.disbursed_on = LoanStatus.ACTIVE, annual_rate, on
        self.record(
            ev.LoanDisbursed(
                **self._ids(),
                amount=self.amount,
                annual_rate=annual_rate,
                method=self.method.value,
                lender=self.lender,
                disbursed_on=on,
                schedule=[
                    ev.InstalmentLine(
                        number=i.number,
                        due_date=i.due_date,
                        principal=i.principal,
                        interest=i.interest,
                    )
                    for i in self.instalments
                ],
            )
        )

    def has_due(self, today: date) -> bool:
        """Whether an instalment's date has come and it was not announced yet."""
        return any(
            i.status is InstalmentStatus.SCHEDULED and i.due_date <= today for i in self.instalments
        )

    def announce_due(self, today: date, odf_id: str | None = None) -> list[int]:
        """Every scheduled instalment whose date has come is announced due, once."""
        announced = []
        for inst in self.instalments:
            if inst.status is InstalmentStatus.SCHEDULED and inst.due_date <= today:
                inst.status = InstalmentStatus.DUE
                announced.append(inst.number)
                self.record(
                    ev.InstallmentDue(
                        loan_id=self.id,
                        installment_number=inst.number,
                        group_id=self.group_id,
                        odf_id=odf_id,
                        borrower_kind=self.borrower_kind,
                        borrower_id=self.borrower_id,
                        due_date=inst.due_date,
                        principal=inst.principal,
                        interest=inst.interest,
                        total=inst.total,
                        lender=self.lender_on(inst.due_date),
                        state_code=self.state,
                    )
                )
        return announced

    def _instalment(self, number: int) -> Instalment:
        for inst in self.instalments:
            if inst.number == number:
                return inst
        raise InvalidTransition(f"loan {self.id} has no instalment {number}")

    def total(self, number: int) -> Decimal:
        return self._instalment(number).total

    def mark_paid(
        self,
        number: int,
        by: str,
        on: date,
        *,
        recorded_on: date | None = None,
        payee: str | None = None,
    ) -> bool:
        """Settled on `on`: by the fund (the day the trust paid, from its confirmation) or
        directly by the borrower. `recorded_on` is the day credit learnt of it (default `on`);
        `payee` the lender paid (default: the lender of record on the due date). False if it
        was already paid: a second confirmation changes nothing."""
        self.expect_status(LoanStatus.ACTIVE, LoanStatus.REPAID)
        inst = self._instalment(number)
        if inst.status is InstalmentStatus.PAID:
            return False
        late = max(0, (on - inst.due_date).days)
        inst.status, inst.paid_on, inst.paid_by = InstalmentStatus.PAID, on, by
        inst.settled_on, inst.recorded_on, inst.days_late = on, recorded_on or on, late
        inst.was_late = inst.was_late or late > 0
        inst.payee = payee or self.lender_on(inst.due_date)
        # the borrower's own payment is theirs to make on time; the fund's is judged by the
        # borrower's replenishment of it (mark_replenished, mark_not_replenished)
        inst.borrower_on_time = late == 0 if by != "fund" else None
        self.record(
            ev.InstallmentPaid(
                **self._ids(),
                installment_number=number,
                amount=inst.total,
                paid_by=by,
                paid_on=on,
                days_late=late,
            )
        )
        if all(i.status is InstalmentStatus.PAID for i in self.instalments):
            settled = [i.settled_on or on for i in self.instalments]
            self.status, self.repaid_on = LoanStatus.REPAID, max(settled)
        self._close_record()
        return True

    def mark_replenished(self, number: int, on: date, grace_days: int) -> bool:
        """The borrower paid back, on `on`, the whole of what the fund paid for this instalment:
        on time within `grace_days` of the fund's payment. False if already judged."""
        inst = self._instalment(number)
        if not inst.awaits_replenishment or inst.settled_on is None:
            return False
        inst.replenished_on = on
        inst.borrower_on_time = (on - inst.settled_on).days <= grace_days
        self._close_record()
        return True

    def mark_not_replenished(self, number: int, on: date) -> bool:
        """The board's notice of non-fulfillment [¶77] found it unreplenished on `on`."""
        inst = self._instalment(number)
        if not inst.awaits_replenishment:
            return False
        inst.borrower_on_time = False
        self._close_record()
        return True

    def judge_replenishments(self, today: date, grace_days: int) -> bool:
        """Instalments the fund paid more than `grace_days` ago and the borrower has not
        replenished are late for the borrower, notice or not. True if any was judged now."""
        judged = False
        for inst in self.instalments:
            since = inst.settled_on
            if inst.awaits_replenishment and since and (today - since).days > grace_days:
                inst.borrower_on_time, judged = False, True
        if judged:
            self._close_record()
        return judged

    def awaiting_replenishment_since(self) -> date | None:
        """The earliest fund payment whose replenishment is not judged yet."""
        days = [i.settled_on for i in self.instalments if i.awaits_replenishment and i.settled_on]
        return min(days) if days else None

    def _close_record(self) -> None:
        """A repaid loan's record [¶84] is closed once the borrower's conduct is known: late as
        soon as one instalment was, on time when every one was. Announced once."""
        if self.status is not LoanStatus.REPAID or self.on_time is not None:
            return
        conduct = [i.borrower_on_time for i in self.instalments]
        if False in conduct:
            self.on_time = False
        elif all(c is True for c in conduct):
            self.on_time = True
        else:
            return
        assert self.repaid_on is not None
        self.record(
            ev.LoanRepaid(
                **self._ids(), amount=self.amount, repaid_on=self.repaid_on, on_time=self.on_time
            )
        )

    def mark_overdue(self, number: int, reason: str) -> bool:
        inst = self._instalment(number)
        if inst.status in (InstalmentStatus.PAID, InstalmentStatus.OVERDUE):
            return False
        inst.status, inst.was_late = InstalmentStatus.OVERDUE, True
        self.record(
            ev.InstallmentOverdue(
                **self._ids(),
                installment_number=number,
                amount=inst.total,
                due_date=inst.due_date,
                reason=reason,
            )
        )
        return True

    @property
    def outstanding_principal(self) -> Decimal:
        if self.status is not LoanStatus.ACTIVE:
            return Decimal(0)
        return sum(
            (i.principal for i in self.instalments if i.status is not InstalmentStatus.PAID),
            Decimal(0),
        )

    def days_past_due(self, today: date) -> int:
        unpaid = [
            i.due_date
            for i in self.instalments
            if i.status in (InstalmentStatus.DUE, InstalmentStatus.OVERDUE)
        ]
        return days_past_due(min(unpaid) if unpaid else None, today)

"""Leasing [¶91-¶93]: the ODF buys a fixed asset with a loan and leases it to a member for a rent
on due dates, with the right to keep it at the end for a symbolic price. A lessee who cannot pay
is in default; the asset and its remaining rents pass to another member who accepts them, and
the rents already paid stay credited to the asset."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel

from credit.domain.delinquency import days_past_due
from credit.domain.errors import CreditRuleViolation, InvalidTransition, NotAuthorized
from credit.domain.schedule import add_months
from megp_common.aggregate import Aggregate
from megp_common.contracts import credit as ev


class LeaseStatus(StrEnum):
    ACTIVE = "active"
    DEFAULTED = "defaulted"
    COMPLETED = "completed"


class Rent(BaseModel):
    number: int
    due_date: date
    amount: Decimal
    announced: bool = False
    paid_on: date | None = None
    paid_by: str | None = None


class Tenure(BaseModel):
    participant_id: str
    since: date
    until: date | None = None
    ended_because: str | None = None


class Lease(Aggregate):
    group_id: str
    state: str | None = None
    odf_id: str
    asset: str
    loan_id: str | None = None
    rent: Decimal
    term_months: int
    purchase_price: Decimal
    status: LeaseStatus = LeaseStatus.ACTIVE
    rents: list[Rent] = []
    lessees: list[Tenure] = []

    def partition_key(self) -> str:
        return self.group_id

    def state_code(self) -> str | None:
        return self.state

    @property
    def lessee_id(self) -> str:
        return self.lessees[-1].participant_id

    def _ids(self) -> dict[str, str | None]:
        return {
            "group_id": self.group_id,
            "state_code": self.state,
            "lease_id": self.id,
            "odf_id": self.odf_id,
            "asset": self.asset,
            "lessee_id": self.lessee_id,
        }

    @classmethod
    def sign(cls, *, lessee_id: str, first_due: date, signed_on: date, **fields: object) -> Lease:
        lease = cls.model_validate(fields)
        if lease.rent <= 0 or lease.term_months < 1 or lease.purchase_price < 0:
            raise CreditRuleViolation("rent and term must be positive, the price not negative")
        lease.rents = [
            Rent(number=n + 1, due_date=add_months(first_due, n), amount=lease.rent)
            for n in range(lease.term_months)
        ]
        lease.lessees = [Tenure(participant_id=lessee_id, since=signed_on)]
        lease.record(
            ev.LeaseSigned(
                **lease._ids(),
                loan_id=lease.loan_id,
                rent=lease.rent,
                term_months=lease.term_months,
                first_due=first_due,
                purchase_price=lease.purchase_price,
                signed_on=signed_on,
            )
        )
        return lease

    def announce_due(self, today: date) -> None:
        for rent in self.rents:
            if not rent.announced and rent.paid_on is None and rent.due_date <= today:
                rent.announced = True
                self.record(
                    ev.LeaseRentDue(
                        **self._ids(),
                        rent_number=rent.number,
                        amount=rent.amount,
                        due_date=rent.due_date,
                    )
                )

    def pay_rent(self, number: int, payer: str, on: date) -> bool:
        if self.status is not LeaseStatus.ACTIVE:
            raise InvalidTransition(f"lease {self.id} is {self.status}: no rent is taken")
        if payer != self.lessee_id:
            raise NotAuthorized("only the current lessee pays the rent")
        rent = next((r for r in self.rents if r.number == number), None)
        if rent is None:
            raise InvalidTransition(f"lease {self.id} has no rent {number}")
        if rent.paid_on is not None:
            return False
        rent.paid_on, rent.paid_by = on, payer
        self.record(
            ev.LeaseRentPaid(**self._ids(), rent_number=number, amount=rent.amount, paid_on=on)
        )
        return True

    def unpaid_due(self, today: date) -> list[Rent]:
        return [r for r in self.rents if r.paid_on is None and r.due_date <= today]

    def check_default(self, today: date, default_after_days: int) -> bool:
        """In default once a rent stays unpaid more than `default_after_days` past its date."""
        if self.status is not LeaseStatus.ACTIVE:
            return False
        unpaid = self.unpaid_due(today)
        # a member who took the lease over answers for old rents only from the day they did
        since = self.lessees[-1].since
        oldest = min((max(r.due_date, since) for r in unpaid), default=None)
        dpd = days_past_due(oldest, today)
        if dpd <= default_after_days:
            return False
        self.status = LeaseStatus.DEFAULTED
        self.record(
            ev.LeaseDefaulted(
                **self._ids(),
                unpaid_rents=[r.number for r in unpaid],
                days_past_due=dpd,
                defaulted_on=today,
            )
        )
        return True

    def transfer(self, to_participant: str, on: date) -> None:
        """Another member accepts the asset and every rent not yet paid."""
        if self.status is not LeaseStatus.DEFAULTED:
            raise InvalidTransition("only a lease in default passes to another member [¶93]")
        if to_participant == self.lessee_id:
            raise CreditRuleViolation("the asset must pass to another member", rule="¶93")
        previous = self.lessees[-1]
        previous.until, previous.ended_because = on, "default"
        self.lessees.append(Tenure(participant_id=to_participant, since=on))
        self.status = LeaseStatus.ACTIVE
        remaining = [r.number for r in self.rents if r.paid_on is None]
        self.record(
            ev.LeaseTransferred(
                **self._ids(),
                previous_lessee_id=previous.participant_id,
                remaining_rents=remaining,
                rents_already_paid=len(self.rents) - len(remaining),
                transferred_on=on,
            )
        )

    def exercise_purchase_option(self, by: str, on: date) -> None:
        if self.status is not LeaseStatus.ACTIVE:
            raise InvalidTransition(f"lease {self.id} is {self.status}")
        if by != self.lessee_id:
            raise NotAuthorized("only the current lessee may buy the asset")
        if any(r.paid_on is None for r in self.rents):
            raise CreditRuleViolation(
                "every rent must be paid before the purchase option", rule="¶92"
            )
        self.status = LeaseStatus.COMPLETED
        self.lessees[-1].until, self.lessees[-1].ended_because = on, "purchased"
        self.record(
            ev.LeaseCompleted(**self._ids(), purchase_price=self.purchase_price, completed_on=on)
        )

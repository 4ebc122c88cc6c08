"""Licences and assignments of an invention, their royalties and who is paid [¶3].

A licence lets a licensee (a firm named by its RFC, or a foreign one by its own id) use the
invention, exclusively or not, in a territory and a field of use, for a term; an assignment
transfers the invention itself. Either may carry a royalty basis: a percent of the sales the
licensee reports for each period, or a fixed amount per period. The licensee pays the inventors,
split by their shares on the disclosure, exact to the centavo (largest remainder).

Metadata only: a licence names its disclosure by id; nothing here holds the disclosure's content.
Money is MXN (the inventors' income is counted in pesos)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Final

from pydantic import BaseModel

from ip_counsel.domain.errors import InvalidTransition, IpRuleViolation
from ip_counsel.domain.inventors import HUNDRED, CoInventor
from megp_common.aggregate import Aggregate
from megp_common.contracts import ip_counsel as ev

CENT: Final = Decimal("0.01")
#: The highest royalty a licence may set, percent of the sales (decision: above half the sales
#: a "royalty" is a sale of the business, not a licence; a typo of 150 % is refused).
MAX_ROYALTY_PERCENT: Final = Decimal(50)


class Kind(StrEnum):
    LICENCE = "licence"
    ASSIGNMENT = "assignment"


class Basis(StrEnum):
    RATE = "rate"  # a percent of the sales reported
    FIXED = "fixed"  # a fixed amount per reporting period


class ReportingPeriod(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"

    @property
    def months(self) -> int:
        return {"monthly": 1, "quarterly": 3, "yearly": 12}[self.value]

    def starts(self, day: date) -> bool:
        """Periods are calendar ones: months, quarters from January, years."""
        return day.day == 1 and (day.month - 1) % self.months == 0

    def end_of(self, start: date) -> date:
        month = start.month - 1 + self.months
        year, month = start.year + month // 12, month % 12 + 1
        last = date(year, month, 1).toordinal() - 1
        return date.fromordinal(last)


class Licensee(BaseModel):
    name: str
    rfc: str | None = None
    foreign_id: str | None = None
    country: str | None = None


class Royalty(BaseModel):
    basis: Basis
    percent: Decimal | None = None  # of the sales, basis rate
    fixed_amount: Decimal | None = None  # per period, basis fixed
    period: ReportingPeriod

    def due_on(self, sales: Decimal | None) -> Decimal:
        if self.basis is Basis.FIXED:
            assert self.fixed_amount is not None
            return self.fixed_amount
        if sales is None:
            raise IpRuleViolation(
                "a royalty on sales needs the period's sales reported", field="sales"
            )
        assert self.percent is not None
        return (sales * self.percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_EVEN)


def check_royalty(royalty: Royalty) -> None:
    if royalty.basis is Basis.RATE:
        if royalty.percent is None or royalty.fixed_amount is not None:
            raise IpRuleViolation(
                "a royalty on sales states its percent and no fixed amount", field="percent"
            )
        if not Decimal(0) < royalty.percent <= MAX_ROYALTY_PERCENT:
            raise IpRuleViolation(
                f"a royalty is more than 0 and at most {MAX_ROYALTY_PERCENT} % of the sales",
                field="percent",
                max=str(MAX_ROYALTY_PERCENT),
            )
    elif royalty.fixed_amount is None or royalty.percent is not None:
        raise IpRuleViolation(
            "a fixed royalty states its amount per period and no percent", field="fixed_amount"
        )


class Part(BaseModel):
    participant_id: str
    share: Decimal
    amount: Decimal


def split(amount: Decimal, inventors: Sequence[CoInventor]) -> list[Part]:
    """The payment shared by the inventors' shares, each part in whole centavos, the parts
    summing to the payment exactly: each gets the floor of their exact part, then the centavos
    left go one each to the largest remainders (ties: the order the inventors are named in)."""
    cents = int((amount / CENT).to_integral_exact())
    if Decimal(cents) * CENT != amount:
        raise IpRuleViolation("a payment is in whole centavos", field="amount")
    exact = [Decimal(cents) * i.share / HUNDRED for i in inventors]
    floors = [int(x.to_integral_value(rounding=ROUND_DOWN)) for x in exact]
    left = cents - sum(floors)
    order = sorted(range(len(inventors)), key=lambda n: (-(exact[n] - floors[n]), n))
    for n in order[:left]:
        floors[n] += 1
    return [
        Part(participant_id=i.participant_id, share=i.share, amount=Decimal(c) * CENT)
        for i, c in zip(inventors, floors, strict=True)
    ]


class Payment(BaseModel):
    payment_id: str
    request_id: str | None = None
    amount: Decimal
    received_on: date
    parts: list[Part]
    recorded_by: str
    recorded_at: datetime


class Report(BaseModel):
    report_id: str
    request_id: str | None = None
    period_start: date
    period_end: date
    sales: Decimal | None = None
    due: Decimal
    payments: list[Payment] = []
    recorded_by: str
    recorded_at: datetime

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), Decimal("0.00"))

    @property
    def balance(self) -> Decimal:
        return self.due - self.paid


class Licence(Aggregate):
    """A licence or an assignment of one disclosure's invention."""

    kind: Kind
    disclosure_id: str
    group_id: str
    state: str
    sector: str
    licensee: Licensee
    exclusive: bool = False
    territory: list[str] = []
    field_of_use: str = ""
    starts_on: date
    ends_on: date | None = None  # an assignment has no end
    royalty: Royalty | None = None
    #: the inventors and their shares when it was recorded: who is paid, and how much of it
    inventors: list[CoInventor]
    #: each inventor's project group, where their royalties are counted as income
    inventor_groups: dict[str, str] = {}
    reports: list[Report] = []
    recorded_by: str
    recorded_at: datetime

    def partition_key(self) -> str:
        return self.group_id

    def state_code(self) -> str | None:
        return self.state

    @classmethod
    def grant(
        cls,
        licence_id: str,
        *,
        kind: Kind,
        disclosure_id: str,
        group_id: str,
        state: str,
        sector: str,
        licensee: Licensee,
        exclusive: bool,
        territory: list[str],
        field_of_use: str,
        starts_on: date,
        ends_on: date | None,
        royalty: Royalty | None,
        inventors: list[CoInventor],
        inventor_groups: dict[str, str],
        recorded_by: str,
        now: datetime,
    ) -> Licence:
        if (licensee.rfc is None) == (licensee.foreign_id is None):
            raise IpRuleViolation(
                "a licensee is named by its RFC or, abroad, by a foreign id (one of the two)",
                field="licensee",
            )
        if kind is Kind.LICENCE:
            if ends_on is None:
                raise IpRuleViolation("a licence has a term: its last day", field="ends_on")
            if ends_on < starts_on:
                raise IpRuleViolation(
                    "a licence's term ends on or after the day it starts", field="ends_on"
                )
            if not territory or not field_of_use:
                raise IpRuleViolation(
                    "a licence names its territory and its field of use", field="territory"
                )
            if royalty is None:
                raise IpRuleViolation("a licence states its royalty basis", field="royalty")
        elif ends_on is not None or exclusive or territory or field_of_use:
            raise IpRuleViolation(
                "an assignment transfers the invention whole: no term, territory, field or "
                "exclusivity",
                field="kind",
            )
        if royalty is not None:
            check_royalty(royalty)
        licence = cls(
            id=licence_id,
            kind=kind,
            disclosure_id=disclosure_id,
            group_id=group_id,
            state=state,
            sector=sector,
            licensee=licensee,
            exclusive=exclusive,
            territory=territory,
            field_of_use=field_of_use,
            starts_on=starts_on,
            ends_on=ends_on,
            royalty=royalty,
            inventors=inventors,
            inventor_groups=inventor_groups,
            recorded_by=recorded_by,
            recorded_at=now,
        )
        basis = royalty.basis.value if royalty else None
        period = royalty.period.value if royalty else None
        if kind is Kind.LICENCE:
            assert ends_on is not None
            licence.record(
                ev.LicenceGranted(
                    licence_id=licence_id,
                    disclosure_id=disclosure_id,
                    group_id=group_id,
                    state_code=state,
                    licensee=licensee.name,
                    exclusive=exclusive,
                    territory=territory,
                    field_of_use=field_of_use,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    basis=basis,
                    period=period,
                    recorded_by=recorded_by,
                    recorded_at=now,
                )
            )
        else:
            licence.record(
                ev.InventionAssigned(
                    licence_id=licence_id,
                    disclosure_id=disclosure_id,
                    group_id=group_id,
                    state_code=state,
                    assignee=licensee.name,
                    effective_on=starts_on,
                    basis=basis,
                    period=period,
                    recorded_by=recorded_by,
                    recorded_at=now,
                )
            )
        return licence

    def report(self, report_id: str) -> Report | None:
        return next((r for r in self.reports if r.report_id == report_id), None)

    def record_report(
        self,
        report_id: str,
        *,
        period_start: date,
        sales: Decimal | None,
        recorded_by: str,
        now: datetime,
        request_id: str | None = None,
    ) -> Report:
        """The licensee's report of one period, once per period: a calendar period of the
        licence's reporting period, begun within the term and ended by today."""
        if self.royalty is None:
            raise InvalidTransition(
                f"{self.kind.value} {self.id} carries no royalty to report", licence_id=self.id
            )
        period = self.royalty.period
        if not period.starts(period_start):
            raise IpRuleViolation(
                f"a {period.value} period starts on the first day of a calendar "
                f"{'month' if period.months == 1 else 'quarter' if period.months == 3 else 'year'}",
                field="period_start",
            )
        period_end = period.end_of(period_start)
        if period_end < self.starts_on or (self.ends_on and period_start > self.ends_on):
            raise IpRuleViolation(
                "the period lies outside the licence's term", field="period_start"
            )
        if period_end > now.date():
            raise IpRuleViolation("a period is reported once it has ended", field="period_start")
        if self.royalty.basis is Basis.FIXED and sales is not None:
            raise IpRuleViolation(
                "a fixed royalty does not depend on sales: report none", field="sales"
            )
        if any(r.period_start == period_start for r in self.reports):
            raise InvalidTransition(
                f"the period from {period_start.isoformat()} is reported already",
                licence_id=self.id,
            )
        due = self.royalty.due_on(sales)
        report = Report(
            report_id=report_id,
            request_id=request_id,
            period_start=period_start,
            period_end=period_end,
            sales=sales,
            due=due,
            recorded_by=recorded_by,
            recorded_at=now,
        )
        self.reports.append(report)
        self.record(
            ev.RoyaltyReported(
                licence_id=self.id,
                disclosure_id=self.disclosure_id,
                group_id=self.group_id,
                period_start=period_start,
                period_end=period_end,
                sales=sales,
                due=due,
                recorded_by=recorded_by,
                recorded_at=now,
            )
        )
        return report

    def receive(
        self,
        report: Report,
        payment_id: str,
        *,
        amount: Decimal,
        received_on: date,
        recorded_by: str,
        now: datetime,
        request_id: str | None = None,
    ) -> Payment:
        """A payment of a reported period's royalty: all of its balance or part of it (the rest
        stays due); more than the balance is refused. Each inventor's part is announced as
        their income, keyed by their project group."""
        if received_on > now.date():
            raise IpRuleViolation("a payment is received today or before", field="received_on")
        if received_on < report.period_start:
            raise IpRuleViolation(
                "a payment is received after its period began", field="received_on"
            )
        if amount > report.balance:
            raise IpRuleViolation(
                f"the payment is more than the {report.balance} MXN still due for the period",
                field="amount",
                balance=str(report.balance),
            )
        parts = split(amount, self.inventors)
        payment = Payment(
            payment_id=payment_id,
            request_id=request_id,
            amount=amount,
            received_on=received_on,
            parts=parts,
            recorded_by=recorded_by,
            recorded_at=now,
        )
        report.payments.append(payment)
        for part in parts:
            if part.amount == 0:
                continue  # a share too small for a centavo of this payment: nothing to count
            group = self.inventor_groups.get(part.participant_id, self.group_id)
            self.record(
                ev.RoyaltyReceived(
                    payment_id=payment_id,
                    licence_id=self.id,
                    disclosure_id=self.disclosure_id,
                    participant_id=part.participant_id,
                    group_id=group,
                    state_code=self.state,
                    share=part.share,
                    amount=part.amount,
                    payment_amount=amount,
                    period_start=report.period_start,
                    received_on=received_on,
                ),
                key=group,
            )
        return payment

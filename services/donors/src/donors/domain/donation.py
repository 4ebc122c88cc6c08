"""A donation: an association's gift to a project group's fund, in dollars or pesos, as a grant
or as a temporary contribution (returned on a date, in a stated way) [¶53-¶54, ¶71].

Accepted here, booked by funds (the ledger, which splits it 50/50 [¶72] and names the donation
back), receipted once booked. Its amount, currency, rate and peso amount never change; a refund
or chargeback is recorded beside it and booked by funds as a reversing entry, never as an edit.
One refund per donation, of all of it or part of it (a temporary contribution: all of it).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel

from donors.domain.errors import DonorRuleViolation, WrongState
from donors.domain.rates import CURRENCIES, PESO, cents, pesos, to_pesos
from megp_common.aggregate import Aggregate
from megp_common.contracts import donors as ev
from megp_common.ids import deterministic_id


class DonationKind(StrEnum):
    GRANT = "grant"
    TEMPORARY = "temporary_contribution"


class ReturnMethod(StrEnum):
    """How a temporary contribution goes back to the association."""

    BANK_TRANSFER = "bank_transfer"
    THROUGH_PORTAL = "through_portal"
    CHEQUE = "cheque"


class Status(StrEnum):
    ACCEPTED = "accepted"  # waiting for funds to book it
    BOOKED = "booked"  # in the fund, receipted
    REFUSED = "refused"  # funds could not book it: nothing was posted


class RefundStatus(StrEnum):
    REQUESTED = "requested"
    BOOKED = "booked"
    REFUSED = "refused"


def donation_id_for(association_id: str, portal_donation_id: str) -> str:
    """The platform's id of a portal's donation: the same portal id always gives the same."""
    return deterministic_id("donors", "donation", association_id, portal_donation_id)


class Refund(BaseModel):
    id: str
    amount: Decimal
    amount_mxn: Decimal
    whole: bool
    chargeback: bool
    reason: str
    requested_at: datetime
    status: RefundStatus = RefundStatus.REQUESTED
    entry_id: str | None = None
    refusal: str | None = None
    settled_at: datetime | None = None
    #: a partial refund: the donation's pledges paid already, which it leaves as they are
    pledges_paid: list[str] = []


class Receipt(BaseModel):
    """The receipt's number (never reused, never changed) and when it was issued."""

    number: str
    year: int
    seq: int
    issued_at: datetime


class Terms(BaseModel):
    """What the portal asked: the same terms again are a repeat, other ones a 409."""

    group_id: str
    kind: DonationKind
    amount: Decimal
    currency: str
    return_due_on: date | None = None
    return_method: ReturnMethod | None = None
    programme_id: str | None = None


class Donation(Aggregate):
    association_id: str
    association_name: str
    portal_donation_id: str
    terms: Terms
    state: str
    municipality: str | None = None
    group_name: str | None = None
    trust_bank: str | None = None
    exchange_rate: Decimal
    rate_date: date | None = None
    amount_mxn: Decimal
    made_at: datetime
    status: Status = Status.ACCEPTED
    entry_id: str | None = None
    development_mxn: Decimal | None = None
    competition_mxn: Decimal | None = None
    booked_at: datetime | None = None
    refusal: str | None = None
    receipt: Receipt | None = None
    refund: Refund | None = None
    #: the month (YYYY-MM) whose report shows it: the month of its booking (impact.report_month)
    reported_in: str | None = None

    def partition_key(self) -> str:
        return self.terms.group_id

    def state_code(self) -> str | None:
        return self.state

    @property
    def group_id(self) -> str:
        return self.terms.group_id

    @property
    def net_mxn(self) -> Decimal:
        """What the fund keeps of it: less a refund funds booked."""
        if self.refund is not None and self.refund.status is RefundStatus.BOOKED:
            return self.amount_mxn - self.refund.amount_mxn
        return self.amount_mxn

    def net_mxn_at(self, instant: datetime) -> Decimal:
        """What the fund kept of it at `instant`: less a refund booked before then."""
        refund = self.refund
        if (
            refund is not None
            and refund.status is RefundStatus.BOOKED
            and refund.settled_at is not None
            and refund.settled_at < instant
        ):
            return self.amount_mxn - refund.amount_mxn
        return self.amount_mxn

    @property
    def report_period(self) -> str:
        """The month whose report shows it (older documents: the month of booking)."""
        at = self.booked_at or self.made_at
        return self.reported_in or f"{at.year:04d}-{at.month:02d}"

    @property
    def made_in(self) -> str:
        return f"{self.made_at.year:04d}-{self.made_at.month:02d}"

    @classmethod
    def make(
        cls,
        *,
        association_id: str,
        association_name: str,
        portal_donation_id: str,
        terms: Terms,
        state: str,
        municipality: str | None,
        group_name: str | None,
        trust_bank: str | None,
        rate: Decimal | None,
        rate_date: date | None,
        now: datetime,
    ) -> Donation:
        check_terms(terms, now.date())
        if terms.currency == PESO:
            rate, rate_date = Decimal(1), None
        elif rate is None:
            raise DonorRuleViolation(
                f"no {terms.currency} rate is recorded for {now.date().isoformat()}: a national "
                "supervisor records the day's rate (trade, /v1/exchange-rates) before donations "
                "in it are taken",
                slug="no-exchange-rate",
                currency=terms.currency,
                rate_date=now.date().isoformat(),
            )
        amount_mxn = to_pesos(terms.amount, terms.currency, rate)
        if amount_mxn <= 0:
            raise DonorRuleViolation("the donation is worth less than one centavo in pesos")
        donation = cls(
            id=donation_id_for(association_id, portal_donation_id),
            association_id=association_id,
            association_name=association_name,
            portal_donation_id=portal_donation_id,
            terms=terms,
            state=state,
            municipality=municipality,
            group_name=group_name,
            trust_bank=trust_bank,
            exchange_rate=rate,
            rate_date=rate_date,
            amount_mxn=amount_mxn,
            made_at=now,
        )
        donation.record(
            ev.DonationMade(
                donation_id=donation.id,
                portal_donation_id=portal_donation_id,
                association_id=association_id,
                association_name=association_name,
                group_id=terms.group_id,
                fund_id=terms.group_id,
                state_code=state,
                kind=terms.kind.value,
                amount=terms.amount,
                currency=terms.currency,
                exchange_rate=rate,
                rate_date=rate_date,
                amount_mxn=amount_mxn,
                return_due_on=terms.return_due_on,
                return_method=terms.return_method.value if terms.return_method else None,
                programme_id=terms.programme_id,
                made_at=now,
            )
        )
        return donation

    # -- funds answers ------------------------------------------------------------------

    def booked(
        self,
        entry_id: str,
        development: Decimal,
        competition: Decimal,
        now: datetime,
        reported_in: str | None = None,
    ) -> None:
        """Funds booked it at `now`; `reported_in`: the month whose report shows it."""
        if self.status is Status.BOOKED:
            return
        self.status, self.entry_id, self.booked_at = Status.BOOKED, entry_id, now
        self.development_mxn, self.competition_mxn = development, competition
        self.reported_in = reported_in

    def not_booked(self, reason: str) -> None:
        if self.status is Status.ACCEPTED:
            self.status, self.refusal = Status.REFUSED, reason

    def receipted(self, receipt: Receipt) -> None:
        """The receipt, once; with it the donation is done and the portal is told
        (`DonationBooked`)."""
        if self.receipt is not None:
            return
        self.receipt = receipt
        if self.entry_id is None or self.development_mxn is None or self.competition_mxn is None:
            return
        self.record(
            ev.DonationBooked(
                donation_id=self.id,
                portal_donation_id=self.portal_donation_id,
                association_id=self.association_id,
                group_id=self.group_id,
                fund_id=self.group_id,
                state_code=self.state,
                entry_id=self.entry_id,
                amount=self.terms.amount,
                currency=self.terms.currency,
                amount_mxn=self.amount_mxn,
                development=self.development_mxn,
                competition=self.competition_mxn,
                receipt_number=receipt.number,
                booked_at=self.booked_at or receipt.issued_at,
            )
        )

    # -- refunds --------------------------------------------------------------------------

    def request_refund(
        self, refund_id: str, amount: Decimal, reason: str, chargeback: bool, now: datetime
    ) -> Refund:
        if self.refund is not None:
            raise WrongState(
                f"donation {self.portal_donation_id} has a refund already ({self.refund.status})",
                slug="refunded-already",
            )
        if self.status is not Status.BOOKED:
            raise WrongState(
                f"donation {self.portal_donation_id} is {self.status.value}: only a donation "
                "the fund booked is refunded",
                slug="not-booked",
            )
        if amount <= 0:
            raise DonorRuleViolation("a refund is more than nothing")
        if amount > self.terms.amount:
            raise DonorRuleViolation(
                f"a refund of {amount} {self.terms.currency} is more than was given "
                f"({self.terms.amount} {self.terms.currency})",
                slug="refund-exceeds-donation",
                given=str(self.terms.amount),
            )
        whole = amount == self.terms.amount
        if self.terms.kind is DonationKind.TEMPORARY and not whole:
            raise DonorRuleViolation(
                "a temporary contribution is refunded whole (or given back by its return)"
            )
        amount_mxn = (
            self.amount_mxn if whole else to_pesos(amount, self.terms.currency, self.exchange_rate)
        )
        if amount_mxn <= 0:
            raise DonorRuleViolation("the refund is worth less than one centavo in pesos")
        refund = Refund(
            id=refund_id,
            amount=amount,
            amount_mxn=min(amount_mxn, self.amount_mxn),
            whole=whole,
            chargeback=chargeback,
            reason=reason,
            requested_at=now,
        )
        self.refund = refund
        self.record(
            ev.DonationRefunded(
                refund_id=refund.id,
                donation_id=self.id,
                association_id=self.association_id,
                group_id=self.group_id,
                fund_id=self.group_id,
                state_code=self.state,
                kind=self.terms.kind.value,
                amount=amount,
                currency=self.terms.currency,
                exchange_rate=self.exchange_rate,
                amount_mxn=refund.amount_mxn,
                whole=whole,
                chargeback=chargeback,
                reason=reason,
                refunded_at=now,
            )
        )
        return refund

    def refund_booked(self, refund_id: str, entry_id: str, now: datetime) -> None:
        if self._refund_open(refund_id):
            self._settle({"status": RefundStatus.BOOKED, "entry_id": entry_id, "settled_at": now})

    def refund_refused(self, refund_id: str, reason: str, now: datetime) -> None:
        if self._refund_open(refund_id):
            self._settle({"status": RefundStatus.REFUSED, "refusal": reason, "settled_at": now})

    def _refund_open(self, refund_id: str) -> bool:
        return (
            self.refund is not None
            and self.refund.id == refund_id
            and self.refund.status is RefundStatus.REQUESTED
        )

    def _settle(self, update: dict[str, object]) -> None:
        """Funds' answer to the refund, kept once and told to the portal (`RefundSettled`)."""
        assert self.refund is not None
        refund = self.refund = self.refund.model_copy(update=update)
        self.record(
            ev.RefundSettled(
                refund_id=refund.id,
                donation_id=self.id,
                portal_donation_id=self.portal_donation_id,
                association_id=self.association_id,
                group_id=self.group_id,
                state_code=self.state,
                status=refund.status.value,
                amount=refund.amount,
                currency=self.terms.currency,
                amount_mxn=refund.amount_mxn,
                entry_id=refund.entry_id,
                refusal=refund.refusal,
                settled_at=refund.settled_at or self.made_at,
            )
        )


def check_terms(terms: Terms, today: date) -> None:
    """What a donation must say, whatever the group: 4xx before anything is written."""
    if terms.currency not in CURRENCIES:
        raise DonorRuleViolation(
            f"a donation is given in {' or '.join(CURRENCIES)}, not {terms.currency}",
            slug="unknown-currency",
            currency=terms.currency,
        )
    if terms.amount <= 0:
        raise DonorRuleViolation("a donation is more than nothing")
    if terms.kind is DonationKind.TEMPORARY:
        if terms.return_due_on is None or terms.return_method is None:
            raise DonorRuleViolation(
                "a temporary contribution states its return date and how it is returned",
                rule="¶71",
            )
        if terms.return_due_on <= today:
            raise DonorRuleViolation(
                "a temporary contribution's return date is in the future", rule="¶71"
            )
    elif terms.return_due_on is not None or terms.return_method is not None:
        raise DonorRuleViolation("a grant is not returned: it has no return date or method")


__all__ = ["Donation", "DonationKind", "Receipt", "Refund", "Terms", "cents", "pesos"]

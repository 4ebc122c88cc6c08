"""Request and response models of donations, refunds, receipts and what the money did."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from donors.domain.donation import Donation, DonationKind, ReturnMethod, Status, Terms
from donors.domain.impact import FundView
from donors.domain.rates import pesos
from donors.domain.receipt import ReceiptText
from donors.entrypoints.api.deps import ID
from donors.entrypoints.api.schemas.programmes import PledgePublic
from donors.service_layer.queries import AssociationReport, DonationImpact
from megp_common.money import ContributionAmount, CurrencyCode
from megp_common.schemas import RequestModel


class DonationCreate(RequestModel):
    portal_donation_id: str = Field(
        pattern=ID, description="The portal's own id: the same id is the same donation"
    )
    group_id: str = Field(pattern=ID)
    kind: DonationKind = DonationKind.GRANT
    amount: ContributionAmount
    currency: CurrencyCode = Field(description="USD or MXN")
    return_due_on: date | None = Field(default=None, description="Temporary contributions")
    return_method: ReturnMethod | None = Field(default=None, description="Temporary contributions")
    programme_id: str | None = Field(default=None, pattern=ID, description="A matching programme")

    def terms(self) -> Terms:
        return Terms(
            group_id=self.group_id,
            kind=self.kind,
            amount=self.amount,
            currency=self.currency,
            return_due_on=self.return_due_on,
            return_method=self.return_method,
            programme_id=self.programme_id,
        )


class RefundCreate(RequestModel):
    amount: ContributionAmount = Field(description="In the donation's currency")
    reason: str = Field(min_length=3, max_length=500, examples=["card chargeback"])
    chargeback: bool = False


class RefundPublic(BaseModel):
    id: str
    amount: Decimal
    amount_mxn: Decimal
    whole: bool
    chargeback: bool
    reason: str
    status: str = Field(description="requested | booked | refused")
    entry_id: str | None
    refusal: str | None
    requested_at: datetime
    settled_at: datetime | None
    pledges_paid: list[str] = Field(
        default=[],
        description="A partial refund: the donation's pledges paid already, left as they are "
        "(unpaid ones are brought down in proportion)",
    )


class DonationPublic(BaseModel):
    id: str
    portal_donation_id: str
    association_id: str
    group_id: str
    group_name: str | None
    kind: str
    amount: Decimal
    currency: str
    exchange_rate: Decimal
    rate_date: date | None
    amount_mxn: Decimal
    return_due_on: date | None
    return_method: str | None
    programme_id: str | None
    status: str = Field(description="accepted | booked | refused")
    entry_id: str | None
    split: dict[str, Decimal] | None = Field(description="What each sub-fund received, MXN")
    refusal: str | None
    receipt_number: str | None
    refund: RefundPublic | None
    made_at: datetime
    booked_at: datetime | None = None
    reported_in: str | None = Field(
        default=None,
        description="The month (YYYY-MM) whose report shows it: the month funds booked it",
    )
    pledges: list[PledgePublic] = []

    @classmethod
    def of(cls, d: Donation, pledges: list[PledgePublic] | None = None) -> DonationPublic:
        t = d.terms
        split = (
            {"development": d.development_mxn, "competition": d.competition_mxn}
            if d.development_mxn is not None and d.competition_mxn is not None
            else None
        )
        return cls(
            id=d.id,
            portal_donation_id=d.portal_donation_id,
            association_id=d.association_id,
            group_id=d.group_id,
            group_name=d.group_name,
            kind=t.kind.value,
            amount=t.amount,
            currency=t.currency,
            exchange_rate=d.exchange_rate,
            rate_date=d.rate_date,
            amount_mxn=d.amount_mxn,
            return_due_on=t.return_due_on,
            return_method=t.return_method.value if t.return_method else None,
            programme_id=t.programme_id,
            status=d.status.value,
            entry_id=d.entry_id,
            split=split,
            refusal=d.refusal,
            receipt_number=d.receipt.number if d.receipt else None,
            refund=RefundPublic(**d.refund.model_dump()) if d.refund else None,
            made_at=d.made_at,
            booked_at=d.booked_at,
            reported_in=d.report_period if d.status is Status.BOOKED else None,
            pledges=pledges or [],
        )


class ReceiptLinePublic(BaseModel):
    label: str
    value: str


class ReceiptTextPublic(BaseModel):
    title: str
    lines: list[ReceiptLinePublic]
    refunded: str | None
    note: str

    @classmethod
    def of(cls, t: ReceiptText) -> ReceiptTextPublic:
        return cls(
            title=t.title,
            lines=[ReceiptLinePublic(label=x.label, value=x.value) for x in t.lines],
            refunded=t.refunded,
            note=t.note,
        )


class ReceiptPublic(BaseModel):
    number: str
    issued_at: datetime
    donation: DonationPublic
    refunded: bool
    text: dict[str, ReceiptTextPublic] = Field(description="The receipt in es and en")


class BalancePublic(BaseModel):
    month: str
    development: Decimal
    competition: Decimal


class FundViewPublic(BaseModel):
    fund_id: str
    balances: list[BalancePublic] = Field(description="Each sub-fund at each month's end")
    development: Decimal
    competition: Decimal
    inflows: Decimal = Field(description="Every inflow less refunds and reversals, MXN")
    from_members: Decimal
    from_supporters: Decimal
    refunded_or_reversed: Decimal
    competition_spending: dict[str, Decimal] = Field(description="By purpose [¶72]")
    development_withdrawals: Decimal
    paid_for_borrowers: Decimal = Field(description="Loan instalments the fund paid [¶76]")
    repaid_by_borrowers: Decimal = Field(description="What borrowers paid back [¶78]")
    turns: Decimal = Field(description="repaid / inflows: times the money has gone round")
    temporary_returned: Decimal
    notices_of_non_fulfillment: int

    @classmethod
    def of(cls, v: FundView) -> FundViewPublic:
        return cls(
            fund_id=v.fund_id,
            balances=[
                BalancePublic(
                    month=b.month,
                    development=pesos(b.development),
                    competition=pesos(b.competition),
                )
                for b in v.balances
            ],
            development=pesos(v.development),
            competition=pesos(v.competition),
            inflows=pesos(v.inflows),
            from_members=pesos(v.from_members),
            from_supporters=pesos(v.from_supporters),
            refunded_or_reversed=pesos(v.refunded_or_reversed),
            competition_spending={k: pesos(x) for k, x in sorted(v.competition_by_purpose.items())},
            development_withdrawals=pesos(v.withdrawals),
            paid_for_borrowers=pesos(v.paid_for_borrowers),
            repaid_by_borrowers=pesos(v.repaid_by_borrowers),
            turns=v.turns,
            temporary_returned=pesos(v.temporary_returned),
            notices_of_non_fulfillment=v.notices,
        )


class DonationImpactPublic(BaseModel):
    donation: DonationPublic
    kept_mxn: Decimal = Field(description="What the fund keeps of the donation")
    share_of_inflows: Decimal = Field(description="kept / the fund's inflows to date")
    fund: FundViewPublic

    @classmethod
    def of(cls, i: DonationImpact) -> DonationImpactPublic:
        pledges = [PledgePublic.of(p) for p in i.pledges]
        return cls(
            donation=DonationPublic.of(i.donation, pledges),
            kept_mxn=pesos(i.kept_cents),
            share_of_inflows=Decimal(str(i.share)),
            fund=FundViewPublic.of(i.view),
        )


class GroupReportPublic(BaseModel):
    group_id: str
    group_name: str | None
    donations: int
    given_mxn: Decimal
    kept_mxn: Decimal
    share_of_inflows: Decimal
    fund: FundViewPublic


class MonthPublic(BaseModel):
    month: str = Field(description="YYYY-MM the donations were made in")
    donations: int
    given_mxn: Decimal


class LateBookingPublic(BaseModel):
    """A donation of an earlier month whose booking came after that month's report: shown in
    this report, never added to the earlier one."""

    donation_id: str
    portal_donation_id: str
    group_id: str
    made_in: str = Field(description="YYYY-MM it was made in")
    made_at: datetime
    booked_at: datetime | None
    amount_mxn: Decimal
    receipt_number: str | None


class ReportPublic(BaseModel):
    association_id: str
    period: str
    start: date
    end: date
    as_of: datetime = Field(
        description="The figures as they stood at this instant, the end of the period: a "
        "refund or a pledge paid later is in a later period's report"
    )
    final: bool = Field(
        description="The period's report was announced ready (`ReportReady`); it does not "
        "change any more"
    )
    given_mxn: Decimal
    kept_mxn: Decimal
    matched_mxn: Decimal = Field(description="What co-funders pledged for these donations")
    matched_paid_mxn: Decimal
    groups: list[GroupReportPublic]
    by_month: list[MonthPublic] = Field(
        description="The report's donations by the month they were made in (a year's report "
        "counts a late booking in its month)"
    )
    late_bookings: list[LateBookingPublic] = Field(
        description="Donations made before the period whose booking came after their month's "
        "report was ready"
    )

    @classmethod
    def of(cls, r: AssociationReport) -> ReportPublic:
        return cls(
            association_id=r.association.id,
            period=r.period,
            start=r.start,
            end=r.end,
            as_of=r.as_of,
            final=r.final,
            given_mxn=pesos(r.given_cents),
            kept_mxn=pesos(r.kept_cents),
            matched_mxn=pesos(r.matched_cents),
            matched_paid_mxn=pesos(r.matched_paid_cents),
            groups=[
                GroupReportPublic(
                    group_id=g.group_id,
                    group_name=g.group_name,
                    donations=g.donations,
                    given_mxn=pesos(g.given_cents),
                    kept_mxn=pesos(g.kept_cents),
                    share_of_inflows=Decimal(str(g.share)),
                    fund=FundViewPublic.of(g.view),
                )
                for g in r.groups
            ],
            by_month=[
                MonthPublic(month=m.month, donations=m.donations, given_mxn=pesos(m.given_cents))
                for m in r.by_month
            ],
            late_bookings=[
                LateBookingPublic(
                    donation_id=d.id,
                    portal_donation_id=d.portal_donation_id,
                    group_id=d.group_id,
                    made_in=d.made_in,
                    made_at=d.made_at,
                    booked_at=d.booked_at,
                    amount_mxn=d.amount_mxn,
                    receipt_number=d.receipt.number if d.receipt else None,
                )
                for d in r.late
            ],
        )

"""Licences, royalties and the portfolio: what the inventors or their counsellor send, and the
metadata a reader gets back (no disclosure content: a licence names its disclosure by id)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ip_counsel.domain.commands import GrantLicence, ReceiveRoyalty, ReportRoyalty
from ip_counsel.domain.licence import (
    MAX_ROYALTY_PERCENT,
    Basis,
    Kind,
    Licence,
    Licensee,
    Part,
    Payment,
    Report,
    ReportingPeriod,
    Royalty,
)
from ip_counsel.service_layer.portfolio import By, Portfolio, Row
from megp_common.money import AmountRule, MoneyAmount, PaymentAmount
from megp_common.schemas import RequestModel

Line = Annotated[str, Field(min_length=1, max_length=300)]
#: The sales a licensee reports for a period, MXN: zero when nothing was sold.
SalesAmount = Annotated[Decimal, AmountRule("income", allow_zero=True, example="184500.00")]
Percent = Annotated[
    Decimal,
    Field(
        gt=0,
        le=100,
        max_digits=7,
        decimal_places=4,
        description=f"Percent of the sales reported, e.g. 4.5 (at most {MAX_ROYALTY_PERCENT})",
    ),
]
#: A Mexican RFC: 3 letters (a company) or 4 (a person), the date, and the homoclave.
RFC = Annotated[str, Field(pattern=r"^[A-ZÑ&]{3,4}[0-9]{6}[A-Z0-9]{3}$")]


class LicenseeIn(RequestModel):
    name: Line
    rfc: RFC | None = Field(default=None, description="A Mexican licensee's RFC")
    foreign_id: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="A foreign licensee's tax or company id (instead of an RFC)"
    )
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = Field(
        default=None, description="ISO 3166 country of a foreign licensee"
    )

    def licensee(self) -> Licensee:
        return Licensee(**self.model_dump())


class RoyaltyIn(RequestModel):
    basis: Basis = Field(description="rate: a percent of the sales reported; fixed: per period")
    percent: Percent | None = None
    fixed_amount: PaymentAmount | None = Field(default=None, description="MXN per period")
    period: ReportingPeriod = Field(description="monthly | quarterly | yearly (calendar)")

    def royalty(self) -> Royalty:
        return Royalty(**self.model_dump())


class LicenceCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "disclosure_id": "0194f2a1-aa11-7b22-8c33-4d44e55f6607",
                    "kind": "licence",
                    "licensee": {"name": "Equipos Clínicos del Bajío", "rfc": "ECB010101AB1"},
                    "exclusive": True,
                    "territory": ["MX"],
                    "field_of_use": "veterinary devices",
                    "starts_on": "2026-01-01",
                    "ends_on": "2030-12-31",
                    "royalty": {"basis": "rate", "percent": "4.5", "period": "quarterly"},
                }
            ]
        },
    )

    disclosure_id: str = Field(min_length=1, max_length=100)
    kind: Kind = Field(default=Kind.LICENCE, description="licence | assignment")
    licensee: LicenseeIn = Field(description="The licensee, or the assignee")
    exclusive: bool = False
    territory: list[Annotated[str, Field(min_length=2, max_length=100)]] = Field(
        default_factory=list, max_length=50, description="Countries or states (licence only)"
    )
    field_of_use: Annotated[str, Field(max_length=300)] = ""
    starts_on: date = Field(description="The licence's first day; an assignment's effect")
    ends_on: date | None = Field(default=None, description="The licence's last day")
    royalty: RoyaltyIn | None = None

    def command(self) -> GrantLicence:
        return GrantLicence(
            disclosure_id=self.disclosure_id,
            kind=self.kind,
            licensee=self.licensee.licensee(),
            exclusive=self.exclusive,
            territory=list(self.territory),
            field_of_use=self.field_of_use,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            royalty=self.royalty.royalty() if self.royalty else None,
        )


class ReportCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"period_start": "2026-01-01", "sales": "184500.00"}]},
    )

    period_start: date = Field(description="The first day of the calendar period reported")
    sales: SalesAmount | None = Field(
        default=None, description="The licensee's sales in the period (rate basis only)"
    )

    def command(self) -> ReportRoyalty:
        return ReportRoyalty(period_start=self.period_start, sales=self.sales)


class PaymentCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"amount": "8302.50", "received_on": "2026-04-20"}]},
    )

    amount: PaymentAmount = Field(description="MXN received: the balance due or part of it")
    received_on: date

    def command(self) -> ReceiveRoyalty:
        return ReceiveRoyalty(amount=self.amount, received_on=self.received_on)


class PartPublic(BaseModel):
    participant_id: str
    share: Decimal
    amount: MoneyAmount

    @classmethod
    def of(cls, p: Part) -> PartPublic:
        return cls(**p.model_dump())


class PaymentPublic(BaseModel):
    payment_id: str
    amount: MoneyAmount
    received_on: date
    parts: list[PartPublic]
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, p: Payment) -> PaymentPublic:
        return cls(
            payment_id=p.payment_id,
            amount=p.amount,
            received_on=p.received_on,
            parts=[PartPublic.of(x) for x in p.parts],
            recorded_by=p.recorded_by,
            recorded_at=p.recorded_at,
        )


class ReportPublic(BaseModel):
    report_id: str
    period_start: date
    period_end: date
    sales: MoneyAmount | None
    due: MoneyAmount
    paid: MoneyAmount
    balance: MoneyAmount
    payments: list[PaymentPublic]
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, r: Report) -> ReportPublic:
        return cls(
            report_id=r.report_id,
            period_start=r.period_start,
            period_end=r.period_end,
            sales=r.sales,
            due=r.due,
            paid=r.paid,
            balance=r.balance,
            payments=[PaymentPublic.of(p) for p in r.payments],
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
        )


class RoyaltyPublic(BaseModel):
    basis: Basis
    percent: Decimal | None
    fixed_amount: MoneyAmount | None
    period: ReportingPeriod


class LicensePublicLicensee(BaseModel):
    name: str
    rfc: str | None
    foreign_id: str | None
    country: str | None


class LicencePublic(BaseModel):
    id: str
    kind: Kind
    disclosure_id: str
    group_id: str
    state: str
    sector: str
    licensee: LicensePublicLicensee
    exclusive: bool
    territory: list[str]
    field_of_use: str
    starts_on: date
    ends_on: date | None
    royalty: RoyaltyPublic | None
    inventors: list[dict[str, Any]] = Field(description="Who is paid, and their shares (%)")
    reports: list[ReportPublic]
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, x: Licence) -> LicencePublic:
        return cls(
            id=x.id,
            kind=x.kind,
            disclosure_id=x.disclosure_id,
            group_id=x.group_id,
            state=x.state,
            sector=x.sector,
            licensee=LicensePublicLicensee(**x.licensee.model_dump()),
            exclusive=x.exclusive,
            territory=x.territory,
            field_of_use=x.field_of_use,
            starts_on=x.starts_on,
            ends_on=x.ends_on,
            royalty=RoyaltyPublic(**x.royalty.model_dump()) if x.royalty else None,
            inventors=[
                {"participant_id": i.participant_id, "share": str(i.share)} for i in x.inventors
            ],
            reports=[ReportPublic.of(r) for r in x.reports],
            recorded_by=x.recorded_by,
            recorded_at=x.recorded_at,
        )


class PortfolioRow(BaseModel):
    key: str = Field(description="The sector, the state's INEGI code, or the programme")
    disclosures: int
    licences: int
    assignments: int
    filings: int | None = Field(description="Filings of the disclosures (null: not counted)")
    grants: int | None
    lapses: int | None

    @classmethod
    def of(cls, r: Row) -> PortfolioRow:
        return cls(
            key=r.key,
            disclosures=r.disclosures,
            licences=r.licences,
            assignments=r.assignments,
            filings=r.filings,
            grants=r.grants,
            lapses=r.lapses,
        )


class PortfolioPublic(BaseModel):
    by: By
    rows: list[PortfolioRow]
    filings_counted: bool = Field(description="true: filings, grants and lapses are counted")

    @classmethod
    def of(cls, p: Portfolio) -> PortfolioPublic:
        return cls(
            by=p.by, rows=[PortfolioRow.of(r) for r in p.rows], filings_counted=p.filings_counted
        )

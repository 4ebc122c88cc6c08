"""Filings at IMPI and their deadlines: what the inventors or their counsellor send
(RequestModel: unknown fields are 422) and what every reader in the filing's state gets back.
A filing holds no content of its disclosure (no title, no claim): ids, types, dates, office
numbers and fees in MXN."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ip_counsel.domain.deadlines import Deadline
from ip_counsel.domain.filings import FeePayment, Filing, FinancingRequest, FinancingSource
from ip_counsel.service_layer.filings import DraftFiling
from megp_common.money import MoneyAmount, PaymentAmount
from megp_common.schemas import RequestModel

Id = Annotated[str, Field(min_length=1, max_length=100)]
OfficeNumber = Annotated[
    str,
    Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ./_-]*$"),
]


class FilingCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "disclosure_id": "0194f2a1-aa11-7b22-8c33-4d44e55f6607",
                    "filing_type": "patent",
                    "route": "national",
                }
            ]
        },
    )

    disclosure_id: Id
    filing_type: str = Field(
        min_length=1,
        max_length=50,
        description="A type of the settings' table: patent, utility_model, industrial_design, "
        "trademark (trade_secret is never filed)",
    )
    route: Literal["national", "pct"] = "national"
    priority_claimed_on: date | None = Field(
        default=None, description="A first filing's date claimed as priority (Paris)"
    )

    def command(self) -> DraftFiling:
        return DraftFiling(
            self.disclosure_id, self.filing_type, self.route, self.priority_claimed_on
        )


class SubmissionCreate(RequestModel):
    application_number: OfficeNumber = Field(description="The number IMPI gave")
    filed_on: date = Field(description="Not before the disclosure was recorded; not future")


class DatedAct(RequestModel):
    """A step the office took on `on` (today or before)."""

    on: date


class OfficeActionCreate(RequestModel):
    received_on: date


class ResponseCreate(RequestModel):
    deadline_id: Id = Field(description="office_action_response-<n>")
    responded_on: date


class GrantCreate(RequestModel):
    title_number: OfficeNumber
    granted_on: date


class FeePaymentCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"deadline_id": "grant_fee", "paid_on": "2026-03-02", "amount": "9000.00"}]
        },
    )

    deadline_id: Id = Field(
        description="grant_fee, annuity-<n>, renewal-<n>, national_phase, or an office "
        "action's extension (…-late); its `-late` id in a late period"
    )
    paid_on: date
    amount: PaymentAmount = Field(description="Exactly the amount due, surcharge included (MXN)")


class UseDeclarationCreate(RequestModel):
    declared_on: date
    amount: PaymentAmount = Field(description="The declaration's fee (MXN)")


class FinancingCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "deadline_id": "grant_fee",
                    "source": "competition_fund",
                    "purpose": "scientific_technological_research",
                }
            ]
        },
    )

    deadline_id: Id
    source: FinancingSource
    purpose: Literal["scientific_technological_research", "samples_designs_innovations"] | None = (
        Field(default=None, description="For the Competition Sub-Fund: the purpose it pays")
    )


class DeadlinePublic(BaseModel):
    id: str
    kind: str
    trigger: str
    trigger_on: date
    opened_on: date
    due_on: date
    reminders: list[date]
    announced: list[date]
    late: bool
    block: int | None
    fee: MoneyAmount | None
    surcharge: MoneyAmount | None
    amount_due: MoneyAmount
    currency: str
    outcome: str
    closed_on: date | None

    @classmethod
    def of(cls, d: Deadline, currency: str) -> DeadlinePublic:
        return cls(
            id=d.id,
            kind=d.kind.value,
            trigger=d.trigger,
            trigger_on=d.trigger_on,
            opened_on=d.opened_on,
            due_on=d.due_on,
            reminders=d.reminders,
            announced=d.announced,
            late=d.late,
            block=d.block,
            fee=d.fee,
            surcharge=d.surcharge,
            amount_due=d.amount_due,
            currency=currency,
            outcome=d.outcome.value,
            closed_on=d.closed_on,
        )


class FeePaymentPublic(BaseModel):
    deadline_id: str
    amount: MoneyAmount
    currency: str
    paid_on: date
    paid_by: str
    payer: str
    odf_id: str | None

    @classmethod
    def of(cls, p: FeePayment) -> FeePaymentPublic:
        return cls(**p.model_dump(mode="python") | {"paid_by": p.paid_by.value})


class FinancingPublic(BaseModel):
    deadline_id: str
    amount: MoneyAmount
    source: str
    purpose: str | None
    requested_by: str
    requested_on: date

    @classmethod
    def of(cls, r: FinancingRequest) -> FinancingPublic:
        return cls(**r.model_dump(mode="python") | {"source": r.source.value})


class FilingPublic(BaseModel):
    """A filing's metadata: what every reader in its state may know."""

    id: str
    version: int
    disclosure_id: str
    group_id: str | None
    state_code: str | None
    filing_type: str
    route: str
    status: str
    inventors: list[str]
    drafted_on: date
    priority_claimed_on: date | None
    application_number: str | None
    filed_on: date | None
    published_on: date | None
    examined_on: date | None
    office_actions: int
    allowed_on: date | None
    title_number: str | None
    granted_on: date | None
    in_force_on: date | None
    expires_on: date | None
    ended_on: date | None
    currency: str
    filing_fee: MoneyAmount | None
    deadlines: list[DeadlinePublic]
    payments: list[FeePaymentPublic]
    financing: list[FinancingPublic]

    @classmethod
    def of(cls, f: Filing) -> FilingPublic:
        return cls(
            id=f.id,
            version=f.version,
            disclosure_id=f.disclosure_id,
            group_id=f.group_id,
            state_code=f.state,
            filing_type=f.filing_type,
            route=f.route,
            status=f.status.value,
            inventors=f.inventors,
            drafted_on=f.drafted_on,
            priority_claimed_on=f.priority_claimed_on,
            application_number=f.application_number,
            filed_on=f.filed_on,
            published_on=f.published_on,
            examined_on=f.examined_on,
            office_actions=f.office_actions,
            allowed_on=f.allowed_on,
            title_number=f.title_number,
            granted_on=f.granted_on,
            in_force_on=f.in_force_on,
            expires_on=f.expires_on,
            ended_on=f.ended_on,
            currency=f.currency,
            filing_fee=f.rule.filing_fee,
            deadlines=[DeadlinePublic.of(d, f.currency) for d in f.deadlines],
            payments=[FeePaymentPublic.of(p) for p in f.payments],
            financing=[FinancingPublic.of(r) for r in f.financing],
        )


class DueDeadline(BaseModel):
    """One open deadline in a counsellor's (or a state's) next days."""

    filing_id: str
    disclosure_id: str
    group_id: str | None
    state_code: str | None
    filing_type: str
    application_number: str | None
    deadline: DeadlinePublic
    days_left: int


class DueDeadlines(BaseModel):
    today: date
    until: date
    counsellor_id: str | None
    items: list[DueDeadline]

"""What the law says about each kind of IMPI filing, as data: the service's settings hold the
table (`Settings.filing_rules`), because the law and IMPI's tariff change [¶7] and a change must
not need a release. This module only says the shape of that table and checks it is coherent.

A filing type names its term (years from filing or from grant; none for a mark, renewable
without end), and each deadline it can have: the novelty grace after the inventor's own public
disclosure, the Paris priority period, the PCT national phase, the answer to an office action,
the grant fee after allowance, annuities in blocks, renewals and the trademark's declaration of
use. A deadline rule gives its period in months, an optional late period with a surcharge rate,
and the fee due in MXN. A type that is not filed at all (a trade secret) has no deadlines: its
protection is the disclosure's access rules alone.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from megp_common.refusals import InvalidData, RuleViolation

RULE = "RULES.md, Inventors and IP counselling [¶7]"


class UnknownFilingType(InvalidData):
    """The filing type is not in the settings' table (422): the answer lists the known ones."""

    def __init__(self, filing_type: str, known: list[str]) -> None:
        super().__init__(
            f"{filing_type!r} is not a filing type; the known ones are {', '.join(known)}",
            slug="unknown-filing-type",
            title="Unknown filing type",
            filing_type=filing_type,
            known=known,
        )


class NotFiled(RuleViolation):
    """The type exists but is never filed (a trade secret): nothing to draft (422)."""

    def __init__(self, filing_type: str) -> None:
        super().__init__(
            f"a {filing_type} is protected by the access rules alone; it is not filed",
            rule=RULE,
            filing_type=filing_type,
        )


class DeadlineKind(StrEnum):
    NOVELTY_GRACE = "novelty_grace"
    PRIORITY = "priority"
    NATIONAL_PHASE = "national_phase"
    OFFICE_ACTION = "office_action_response"
    GRANT_FEE = "grant_fee"
    ANNUITY = "annuity"
    RENEWAL = "renewal"
    USE_DECLARATION = "use_declaration"


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PeriodRule(_Rule):
    """A deadline `months` after its trigger, optionally followed by a late period of
    `late_months` in which the act is still accepted with a surcharge: `surcharge_rate` times
    the fee plus `late_fee` (an office action's extension has a fee of its own)."""

    months: int = Field(ge=1, le=600)
    late_months: int = Field(default=0, ge=0, le=120)
    surcharge_rate: Decimal = Field(default=Decimal("0"), ge=0, le=10)
    fee: Decimal | None = Field(default=None, ge=0, description="MXN due at this deadline")
    late_fee: Decimal | None = Field(
        default=None, ge=0, description="A fixed MXN surcharge in the late period"
    )


class AnnuityRule(_Rule):
    """Annuities after grant: the first `paid_with_grant_years` are paid with the grant fee;
    later ones in blocks of `block_years`, each block due on the grant's anniversary that
    starts it, with a late period and a surcharge."""

    paid_with_grant_years: int = Field(default=5, ge=1, le=50)
    block_years: int = Field(default=5, ge=1, le=50)
    late_months: int = Field(default=6, ge=0, le=120)
    surcharge_rate: Decimal = Field(default=Decimal("0"), ge=0, le=10)
    fee: Decimal | None = Field(default=None, ge=0, description="MXN per block")


class RenewalRule(_Rule):
    """Terms of `term_years` counted from the filing's term start; each renewal is due on the
    day its term ends, with a grace period of `late_months` carrying a surcharge."""

    term_years: int = Field(ge=1, le=100)
    late_months: int = Field(default=6, ge=0, le=120)
    surcharge_rate: Decimal = Field(default=Decimal("0"), ge=0, le=10)
    fee: Decimal | None = Field(default=None, ge=0, description="MXN per renewal")


class UseDeclarationRule(_Rule):
    """A mark's declaration of use: due `within_months` after the `after_years` anniversary of
    the grant."""

    after_years: int = Field(default=3, ge=1, le=50)
    within_months: int = Field(default=3, ge=1, le=60)
    late_months: int = Field(default=0, ge=0, le=120)
    surcharge_rate: Decimal = Field(default=Decimal("0"), ge=0, le=10)
    fee: Decimal | None = Field(default=None, ge=0)


class FilingTypeRule(_Rule):
    name: str
    filed: bool = Field(default=True, description="False: protected by access rules alone")
    term_years: int | None = Field(
        default=None, ge=1, le=100, description="Statutory maximum term; None: no end"
    )
    term_from: Literal["filing", "grant"] = "filing"
    filing_fee: Decimal | None = Field(default=None, ge=0)
    novelty_grace: PeriodRule | None = None
    priority: PeriodRule | None = None
    national_phase: PeriodRule | None = Field(
        default=None, description="PCT: months from the priority date; None: no PCT route"
    )
    office_action: PeriodRule | None = None
    grant_fee: PeriodRule | None = None
    annuity: AnnuityRule | None = None
    renewal: RenewalRule | None = None
    use_declaration: UseDeclarationRule | None = None

    @model_validator(mode="after")
    def _coherent(self) -> FilingTypeRule:
        deadlines = (
            self.novelty_grace,
            self.priority,
            self.national_phase,
            self.office_action,
            self.grant_fee,
            self.annuity,
            self.renewal,
            self.use_declaration,
        )
        if not self.filed and (any(d is not None for d in deadlines) or self.term_years):
            raise ValueError(f"{self.name}: a type that is not filed has no term nor deadlines")
        if self.filed and self.term_years is None and self.renewal is None:
            raise ValueError(f"{self.name}: a filed right needs a term or renewals")
        if self.annuity is not None and self.renewal is not None:
            raise ValueError(f"{self.name}: a right is kept by annuities or by renewals")
        if self.annuity is not None and self.grant_fee is None:
            raise ValueError(f"{self.name}: annuities start with the grant fee")
        return self


class FilingRules(_Rule):
    """The whole table: every filing type by its code, and when reminders go out."""

    types: dict[str, FilingTypeRule]
    reminder_days: list[int] = Field(
        default=[90, 30, 7], description="Days before a due date on which a reminder goes out"
    )
    currency: str = "MXN"

    @model_validator(mode="after")
    def _reminders(self) -> FilingRules:
        if any(d < 1 for d in self.reminder_days):
            raise ValueError("a reminder goes out at least one day before its due date")
        if len(set(self.reminder_days)) != len(self.reminder_days):
            raise ValueError("reminder days are listed once each")
        return self

    def rule_for(self, filing_type: str) -> FilingTypeRule:
        try:
            return self.types[filing_type]
        except KeyError:
            raise UnknownFilingType(filing_type, sorted(self.types)) from None

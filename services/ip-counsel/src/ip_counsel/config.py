from decimal import Decimal
from pathlib import Path

from pydantic import Field

from ip_counsel.domain.filing_rules import (
    AnnuityRule,
    FilingRules,
    FilingTypeRule,
    PeriodRule,
    RenewalRule,
    UseDeclarationRule,
)
from megp_common.settings import REPO_ROOT, ServiceSettings


class Settings(ServiceSettings):
    """Settings of the ip-counsel service (environment variables override every default)."""

    service_name: str = "ip-counsel"
    http_port: int = 8005
    content_keyring_file: Path = Field(
        default=REPO_ROOT / ".local" / "dev-ip-content-keyring.json",
        description="The service keys that wrap each disclosure's data key (adapters/sealing.py);"
        " created with one fresh key outside production when missing",
    )
    review_quorum: int = Field(
        default=1, ge=1, le=50, description="Reviewers' scores a review needs to conclude [¶57]"
    )
    scheduler_interval_s: float = Field(
        default=5.0,
        gt=0,
        description="Seconds between deadline ticks while the clock stands still",
    )
    scheduler_batch: int = Field(
        default=200, ge=1, le=10_000, description="Filings one tick handles at most per pass"
    )
    filing_rules: FilingRules = Field(
        default_factory=lambda: mexican_filing_rules(),
        description="IMPI's periods and fees by filing type [¶7]; FILING_RULES (JSON) replaces "
        "the whole table",
    )


# Mexican practice as RULES.md decides it. The periods are the law's; the fees (MXN) are
# placeholders of the right order, to be set from IMPI's tariff in force (published in the DOF).
def mexican_filing_rules() -> FilingRules:
    office_action = PeriodRule(months=2, late_months=2, late_fee=Decimal("1500.00"))
    return FilingRules(
        reminder_days=[90, 30, 7],
        types={
            "patent": FilingTypeRule(
                name="Patent",
                term_years=20,
                term_from="filing",
                filing_fee=Decimal("8500.00"),
                novelty_grace=PeriodRule(months=12),
                priority=PeriodRule(months=12),
                national_phase=PeriodRule(months=30, fee=Decimal("8500.00")),
                office_action=office_action,
                grant_fee=PeriodRule(months=2, fee=Decimal("9000.00")),
                annuity=AnnuityRule(
                    paid_with_grant_years=5,
                    block_years=5,
                    late_months=6,
                    surcharge_rate=Decimal("0.25"),
                    fee=Decimal("12000.00"),
                ),
            ),
            "utility_model": FilingTypeRule(
                name="Utility model",
                term_years=15,
                term_from="filing",
                filing_fee=Decimal("3500.00"),
                novelty_grace=PeriodRule(months=12),
                priority=PeriodRule(months=12),
                national_phase=PeriodRule(months=30, fee=Decimal("3500.00")),
                office_action=office_action,
                grant_fee=PeriodRule(months=2, fee=Decimal("4500.00")),
                annuity=AnnuityRule(
                    paid_with_grant_years=5,
                    block_years=5,
                    late_months=6,
                    surcharge_rate=Decimal("0.25"),
                    fee=Decimal("5000.00"),
                ),
            ),
            "industrial_design": FilingTypeRule(
                name="Industrial design",
                term_years=25,
                term_from="filing",
                filing_fee=Decimal("3500.00"),
                novelty_grace=PeriodRule(months=12),
                priority=PeriodRule(months=6),
                office_action=office_action,
                grant_fee=PeriodRule(months=2, fee=Decimal("3000.00")),
                renewal=RenewalRule(
                    term_years=5,
                    late_months=6,
                    surcharge_rate=Decimal("0.25"),
                    fee=Decimal("3000.00"),
                ),
            ),
            "trademark": FilingTypeRule(
                name="Trademark",
                term_years=None,
                term_from="grant",
                filing_fee=Decimal("3000.00"),
                priority=PeriodRule(months=6),
                office_action=office_action,
                renewal=RenewalRule(
                    term_years=10,
                    late_months=6,
                    surcharge_rate=Decimal("0.25"),
                    fee=Decimal("3000.00"),
                ),
                use_declaration=UseDeclarationRule(
                    after_years=3, within_months=3, fee=Decimal("500.00")
                ),
            ),
            "trade_secret": FilingTypeRule(name="Trade secret", filed=False),
        },
    )

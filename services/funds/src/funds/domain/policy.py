"""The fund's rules that the programme leaves to settings, and its fixed lists of purposes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from funds.domain.accounts import SubFund


class CompetitionPurpose(StrEnum):
    """What the Competition Sub-Fund may pay for: the list after [¶72]. RULES.md calls them
    thirteen; the source lists fifteen items and all fifteen are accepted here."""

    TECHNICAL_ASSISTANCE_TRAINING = "technical_assistance_training"
    RESEARCH = "scientific_technological_research"
    CORPORATE_IMAGE = "corporate_image"
    ODF_CAPACITY = "odf_capacity"
    CATALOGUES = "catalogues_promotional_material"
    CO_FINANCING = "co_financing"
    EXPERTS_RESEARCH_VISITS = "experts_research_visits"
    AUDIOVISUAL_RECORDS = "audiovisual_records"
    PROTOTYPE_PRODUCTION_UNITS = "prototype_production_units"
    SAMPLES_DESIGNS = "samples_designs_innovations"
    TRADE_FAIRS = "trade_fairs_sales_promotion"
    DOMESTIC_WORK_SUPPORT = "domestic_work_support"
    STORAGE_DISTRIBUTION = "central_storage_distribution"
    INFORMATION_SYSTEM = "specialized_information_system"
    MARKET_STUDIES = "market_studies"


class DevelopmentPurpose(StrEnum):
    """The five individual uses of the Development Sub-Fund [¶73]."""

    MEDICAL = "medical_expenses"
    EDUCATION = "children_education"
    HOUSING = "housing"
    RETIREMENT = "retirement_fund"
    PUBLIC_WORKS = "community_public_works"


class InflowSource(StrEnum):
    """Who gives a grant or temporary contribution [¶50-¶53, ¶71]."""

    LOCAL = "local"
    NATIONAL = "national"
    INTERNATIONAL = "international"
    IMMIGRANT_ASSOCIATION = "immigrant_association"


@dataclass(frozen=True)
class FundPolicy:
    """Every figure the rules leave open, in one place (built from the service settings)."""

    repayment_order: tuple[SubFund, ...] = (SubFund.COMPETITION, SubFund.DEVELOPMENT)
    grace_days: int = 30
    deposit_due_days: int = 30
    initial_period_months: int = 3
    withdrawals_from_year: int = 4
    retirement_age: int = 60
    odd_centavo_to: SubFund = SubFund.DEVELOPMENT
    recent_entries_remembered: int = 2000
    extra: dict[str, str] = field(default_factory=dict)


def split_inflow(cents: int, odd_centavo_to: SubFund = SubFund.DEVELOPMENT) -> dict[SubFund, int]:
    """Half of every registered inflow to each sub-fund [¶72]; an odd centavo goes to the
    sub-fund the policy names (the Development Sub-Fund by default: it is the members' own)."""
    half, odd = divmod(cents, 2)
    other = SubFund.COMPETITION if odd_centavo_to is SubFund.DEVELOPMENT else SubFund.DEVELOPMENT
    return {odd_centavo_to: half + odd, other: half}

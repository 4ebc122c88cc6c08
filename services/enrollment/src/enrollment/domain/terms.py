"""The figures of the programme this service applies, built from settings so a state or a later
phase can change them without touching the rules [¶7]."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

DEFAULT_PARTNER_BANKS: tuple[str, ...] = (
    "Nacional Financiera",
    "BBVA México",
    "Banorte",
    "Santander México",
    "Banamex",
    "HSBC México",
    "Scotiabank Inverlat",
    "Banco del Bienestar",
)


@dataclass(frozen=True)
class ProgrammeTerms:
    minimum_group_members: int = 5
    young_under_age: int = 30
    elderly_from_age: int = 60
    fund_deposit_rate: Decimal = Decimal("0.10")
    odf_share_rate: Decimal = Decimal("0.25")
    partner_banks: tuple[str, ...] = DEFAULT_PARTNER_BANKS
    rfc_check_digit: bool = True
    period_lengths_months: frozenset[int] = field(
        default_factory=lambda: frozenset({1, 2, 3, 4, 6, 12})
    )

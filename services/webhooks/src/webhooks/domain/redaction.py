"""What a bank may see of an event: its fund's and loans' figures, never a member's personal
data. Fields that name or measure a person beyond the borrower the bank lends to (CURPs,
incomes, the member lists and per-member amounts of a fund) are removed at any depth."""

from __future__ import annotations

from typing import Any

#: Keys removed wherever they appear.
WITHHELD_KEYS = frozenset(
    {
        "curp",
        "rfc",
        "income",
        "monthly_income",
        "name",
        "full_name",
        "phone",
        "email",
        "address",
        "member_participant_ids",
        "members",
        "share_before",
        "share_after",
    }
)
WITHHELD_FRAGMENTS = ("curp", "income")


def withheld(key: str) -> bool:
    lowered = key.lower()
    return lowered in WITHHELD_KEYS or any(f in lowered for f in WITHHELD_FRAGMENTS)


def redact(value: Any) -> Any:
    """A copy of `value` without the withheld keys (dicts and lists walked)."""
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items() if not withheld(str(k))}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value

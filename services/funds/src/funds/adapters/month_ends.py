"""The funds' month-end snapshots (megp_common.month_ends.MonthEndStore): per state and month,
the FIGURES of `service_layer.queries.StateTotals` at the month's last instant, in cents."""

from __future__ import annotations

from megp_common.month_ends import MonthEndStore

MONTH_ENDS = "fund_month_ends"
FIGURES = (
    "funds",
    "trust_cash_cents",
    "development_cents",
    "competition_cents",
    "temporary_to_return_cents",
    "owed_by_borrowers_cents",
)


class MonthEnds(MonthEndStore):
    collection = MONTH_ENDS

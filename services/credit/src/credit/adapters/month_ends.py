"""Credit's month-end snapshots (megp_common.month_ends.MonthEndStore): per state and month,
the loans being repaid at the month's end, their principal outstanding and its delinquency
buckets (decimal strings), from which PAR30 is read for a state or any sum of states."""

from __future__ import annotations

from megp_common.month_ends import MonthEndStore

MONTH_ENDS = "portfolio_month_ends"


class PortfolioMonthEnds(MonthEndStore):
    collection = MONTH_ENDS

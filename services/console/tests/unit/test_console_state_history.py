"""The dashboard's series of a state (or the supervisor's states) read from the services'
answers as they are: each month's `total`, months as dates, amounts and shares as Decimal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from console.screens.dashboard.state_history import credit_rows, fund_rows, growth_rows

D = Decimal


def test_the_funds_series_is_each_months_total_of_both_sub_funds() -> None:
    answer = {
        "months": [
            {
                "month": "2030-03",
                "on": "2030-03-31",
                "states": [],
                "total": {
                    "state_code": "all",
                    "funds": 2,
                    "trust_cash": "900.00",
                    "development_subfund": "500.00",
                    "competition_subfund": "250.50",
                    "temporary_contributions_to_return": "0.00",
                    "owed_by_borrowers": "0.00",
                },
            }
        ]
    }
    [row] = fund_rows(answer)
    assert row.month == date(2030, 3, 1)
    assert (row.funds, row.total, row.trust_cash) == (2, D("750.50"), D("900.00"))
    assert fund_rows(None) == [] == fund_rows({"months": []})


def test_the_credit_and_income_series_keep_the_services_figures() -> None:
    credit = {
        "months": [
            {
                "month": "2030-04",
                "total": {
                    "state_code": "09",
                    "loans": 3,
                    "outstanding_principal": "3000.00",
                    "par30": "0.3333",
                    "buckets": {},
                },
            }
        ]
    }
    assert [(r.month, r.loans, r.outstanding, r.par30) for r in credit_rows(credit)] == [
        (date(2030, 4, 1), 3, D("3000.00"), D("0.3333"))
    ]
    growth = {
        "months": [
            {
                "month": "2030-01",
                "total": {
                    "members": 2,
                    "closed_periods": 2,
                    "total_income": "2100.00",
                    "total_baseline": "2000.00",
                    "incremental_income": "100.00",
                    "growth_rate": "0.0500",
                    "members_above_baseline": 1,
                },
            },
            {
                "month": "2030-02",
                "total": {
                    "members": 1,
                    "closed_periods": 1,
                    "total_income": "0.00",
                    "total_baseline": "0.00",
                    "incremental_income": "0.00",
                    "growth_rate": None,
                    "members_above_baseline": 0,
                },
            },
        ]
    }
    rows = growth_rows(growth)
    assert [(r.members, r.incremental, r.growth) for r in rows] == [
        (2, D("100.00"), D("0.0500")),
        (1, D("0.00"), None),
    ]

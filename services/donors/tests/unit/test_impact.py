"""What the money did, from a fund's history: balances at each month's end, inflows from
members and from supporters less reversals, a donation's share, Competition Sub-Fund spending
by purpose, what the fund paid for its borrowers and what they repaid, the turns, notices as a
count, and a period's flows apart from the balances before it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from donors.domain import history as h
from donors.domain.history import FundHistory, Movement
from donors.domain.impact import fund_view, share


def move(entry: str, on: date, kind: str, dev: int, comp: int, **more: str) -> Movement:
    return Movement(entry_id=entry, on=on, kind=kind, development=dev, competition=comp, **more)


def history() -> FundHistory:
    f = FundHistory(id="g1")
    for m in (
        move("e1", date(2031, 1, 5), h.INFLOW, 500_00, 500_00, inflow_kind="member_deposit"),
        move("e2", date(2031, 1, 15), h.INFLOW, 862_50, 862_50, inflow_kind="grant"),
        move("e3", date(2031, 2, 2), h.COMPETITION_SPEND, 0, -300_00, purpose="training"),
        move("e4", date(2031, 2, 3), h.COMPETITION_SPEND, 0, -100_00, purpose="marketing"),
        move("e5", date(2031, 2, 9), h.COMPETITION_SPEND, 0, -50_00, purpose="training"),
        move("e6", date(2031, 2, 20), h.REPAYMENT, -200_00, -200_00),
        move("e7", date(2031, 3, 10), h.REPLENISHMENT, 150_00, 150_00),
        move("e8", date(2031, 3, 12), h.REVERSAL, -172_50, -172_50),
        move("e9", date(2031, 3, 20), h.WITHDRAWAL, -80_00, 0, purpose="tools"),
    ):
        f.add(m)
    f.add(move("e1", date(2031, 1, 5), h.INFLOW, 1, 1))  # the same entry again: ignored
    f.notice("n1")
    f.notice("n1")
    f.notice("n2")
    return f


def test_what_the_fund_did_over_its_life() -> None:
    v = fund_view(history())
    assert [(b.month, b.development, b.competition) for b in v.balances] == [
        ("2031-01", 1362_50, 1362_50),
        ("2031-02", 1162_50, 712_50),
        ("2031-03", 1060_00, 690_00),
    ]
    assert (v.inflows, v.from_members, v.from_supporters) == (2380_00, 1000_00, 1380_00)
    assert v.refunded_or_reversed == 345_00
    assert v.competition_by_purpose == {"training": 350_00, "marketing": 100_00}
    assert (v.paid_for_borrowers, v.repaid_by_borrowers, v.withdrawals) == (400_00, 300_00, 80_00)
    assert v.turns == Decimal("0.1261")  # 300.00 repaid / 2380.00 in
    assert v.notices == 2
    # a donation's share of the inflows: what the fund kept of it over them
    assert share(1552_50, v.inflows) == Decimal("0.6523")
    assert share(0, v.inflows) == share(1, 0) == Decimal(0)


def test_a_periods_flows_with_the_balances_to_its_end() -> None:
    march = fund_view(history(), date(2031, 3, 1), date(2031, 3, 31))
    assert march.inflows == -345_00 and march.competition_by_purpose == {}
    assert (march.repaid_by_borrowers, march.withdrawals) == (300_00, 80_00)
    assert (march.development, march.competition) == (1060_00, 690_00)
    february = fund_view(history(), date(2031, 2, 1), date(2031, 2, 28))
    assert february.balances[-1].month == "2031-02" and february.inflows == 0
    assert february.competition_by_purpose == {"training": 350_00, "marketing": 100_00}

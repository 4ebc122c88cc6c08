"""Builders shared by the funds unit tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from funds.domain import accounts as acc
from funds.domain.fund import Fund, new_fund
from funds.domain.inflows import Contribution
from funds.domain.opening import change_board, open_fund
from funds.domain.policy import FundPolicy, InflowSource

POLICY = FundPolicy()
OPENED = datetime(2030, 1, 15, 12, tzinfo=UTC)
MEMBERS = ["p1", "p2", "p3"]


def opened_fund(members: list[str] | None = None, board: list[str] | None = None) -> Fund:
    fund = new_fund("g1")
    open_fund(
        fund,
        odf_id="odf1",
        name="Tejedoras",
        state="09",
        municipality="Coyoacán",
        trust_bank="Banorte",
        members=members or MEMBERS,
        formed_at=OPENED,
        policy=POLICY,
    )
    change_board(fund, board or ["p1"])
    fund.clear_pending()
    return fund


def grant(amount: str, donor: str = "Fundación X") -> Contribution:
    return Contribution(donor=donor, source=InflowSource.NATIONAL, amount=Decimal(amount))


def temporary(amount: str, returns: date) -> Contribution:
    return Contribution(
        donor="Club Migrante",
        source=InflowSource.IMMIGRANT_ASSOCIATION,
        amount=Decimal(amount),
        return_due_on=returns,
    )


def net_subfunds_identity(fund: Fund) -> bool:
    """The two sub-funds, net of the temporary money in them, equal trust cash net of
    liabilities; memo pairs cancel out."""
    b = fund.balance
    net_subfunds = b(acc.DEVELOPMENT) + b(acc.COMPETITION) - b(acc.TEMPORARY_WITHIN)
    return net_subfunds == b(acc.TRUST_CASH) - b(acc.TEMPORARY_TO_RETURN)


def events(fund: Fund) -> list[str]:
    return [type(r.payload).__name__ for r in fund.pending_events()]

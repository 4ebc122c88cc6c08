"""A fund's history as donors are shown it, learnt from funds' events: every movement that
changed a sub-fund (inflows, refunds and reversals, competition spending by purpose,
development withdrawals, instalments the fund paid for its borrowers and what they repaid),
and the notices of non-fulfillment as a count. No participant is named: a withdrawal is kept as
an amount and a purpose, an instalment by its loan only.

Funds is the ledger; this is a projection of it, rebuilt from the same events, which reports
read without calling funds."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from megp_common.aggregate import Aggregate

INFLOW = "inflow"
REVERSAL = "reversal"
TEMPORARY_RETURN = "temporary_return"
COMPETITION_SPEND = "competition_spend"
WITHDRAWAL = "development_withdrawal"
REPAYMENT = "fund_repayment"  # the fund paid a loan instalment for a borrower [¶76]
REPLENISHMENT = "replenishment"  # the borrower paid the fund back [¶78]


class Movement(BaseModel):
    """One entry's effect on the sub-funds, in centavos (negative: money out)."""

    model_config = ConfigDict(frozen=True)

    entry_id: str
    on: date
    kind: str
    development: int
    competition: int
    inflow_kind: str | None = None
    purpose: str | None = None
    donation_id: str | None = None
    pledge_id: str | None = None

    @property
    def total(self) -> int:
        return self.development + self.competition


class FundHistory(Aggregate):
    movements: list[Movement] = []
    notices: int = 0
    notice_ids: list[str] = []

    def add(self, movement: Movement) -> None:
        if any(m.entry_id == movement.entry_id for m in self.movements):
            return
        self.movements.append(movement)

    def notice(self, notice_id: str) -> None:
        if notice_id not in self.notice_ids:
            self.notice_ids.append(notice_id)
            self.notices += 1

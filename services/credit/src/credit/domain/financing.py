"""A purchasing round's financing request [¶30, ¶69]: trade's deciding ODF asked for the unpaid
cost shares of a collective purchase to be financed (`trade.PurchaseFinancingRequested`).

Credit acts on it by its own rules. A loan application needs what trade cannot know: the term
and the amortization method the ODF wants. So the event records a *pending financing request*
(the ODF, the group whose line it would draw on, the amount, the members and their shares); the
ODF's staff complete it with the term, and credit then applies for the loan on the group's line
for the ODF exactly as `POST /loans` does (the line's available amount and the repeat-borrower
limit apply, and the board and the lender approve it [¶55]). A refusal leaves the request
pending; it becomes `applied` once, naming its loan.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel

from credit.domain.errors import InvalidTransition
from megp_common.aggregate import Aggregate


class FinancingStatus(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"


class FinancedMember(BaseModel):
    participant_id: str
    member_odf_id: str
    cost_share: Decimal


class FinancingRequest(Aggregate):
    """Keyed by trade's financing id (one per round)."""

    round_id: str
    group_id: str
    odf_id: str
    state: str | None = None
    item: str
    amount: Decimal
    currency: str = "MXN"
    members: list[FinancedMember] = []
    requested_by: str
    requested_on: date
    status: FinancingStatus = FinancingStatus.PENDING
    loan_id: str | None = None
    applied_on: date | None = None

    def partition_key(self) -> str:
        return self.group_id

    def state_code(self) -> str | None:
        return self.state

    @property
    def purpose(self) -> str:
        return f"collective purchase of {self.item} (purchasing round {self.round_id})"[:300]

    def apply_with(self, loan_id: str, on: date) -> None:
        if self.status is FinancingStatus.APPLIED:
            raise InvalidTransition(
                f"financing request {self.id} was applied for already (loan {self.loan_id})"
            )
        self.status, self.loan_id, self.applied_on = FinancingStatus.APPLIED, loan_id, on

"""A financing request, from one of two origins: a purchasing round [¶30, ¶69] (trade's deciding
ODF asked for the unpaid cost shares of a collective purchase to be financed,
`trade.PurchaseFinancingRequested`), or an IMPI fee (the inventors of a group asked ip-counsel
for a fee of their filing to be financed by a loan, `ip_counsel.FeeFinancingRequested` with
source `loan`). Both become the same pending request on the group's line, for its ODF.

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
    REFUSED = "refused"  # credit could not take it (no group it knows): kept with the reason


class FinancingOrigin(StrEnum):
    PURCHASING_ROUND = "purchasing_round"
    IMPI_FEE = "impi_fee"


class FeeAsked(BaseModel):
    """The IMPI fee an `impi_fee` request finances (ip-counsel's filing and deadline)."""

    filing_id: str
    disclosure_id: str
    deadline_id: str
    kind: str
    due_on: date


class FinancedMember(BaseModel):
    participant_id: str
    member_odf_id: str
    cost_share: Decimal


class FinancingRequest(Aggregate):
    """Keyed by trade's financing id (one per round), or by ip-counsel's deadline id (one loan
    request per fee deadline). Documents stored before the fee origin read as rounds."""

    origin: FinancingOrigin = FinancingOrigin.PURCHASING_ROUND
    round_id: str | None = None
    fee: FeeAsked | None = None
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
    refusal: str | None = None

    def partition_key(self) -> str:
        return self.group_id

    def state_code(self) -> str | None:
        return self.state

    @property
    def purpose(self) -> str:
        if self.fee is not None:
            fee = self.fee
            return f"IMPI fee {fee.kind} of filing {fee.filing_id} (due {fee.due_on})"[:300]
        return f"collective purchase of {self.item} (purchasing round {self.round_id})"[:300]

    def apply_with(self, loan_id: str, on: date) -> None:
        if self.status is FinancingStatus.REFUSED:
            raise InvalidTransition(f"financing request {self.id} was refused: {self.refusal}")
        if self.status is FinancingStatus.APPLIED:
            raise InvalidTransition(
                f"financing request {self.id} was applied for already (loan {self.loan_id})"
            )
        self.status, self.loan_id, self.applied_on = FinancingStatus.APPLIED, loan_id, on

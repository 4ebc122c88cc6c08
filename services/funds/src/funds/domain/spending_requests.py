"""Competition Sub-Fund spending the group's inventors asked for through ip-counsel: an IMPI fee
of their filing (`ip_counsel.FeeFinancingRequested`, source `competition_fund`) [¶72, ¶55].

Funds decides, ip-counsel never moves money. The event becomes a *spending request* on the
group's fund; it posts nothing. The group's board decides it by the rule of every competition
spend (`outflows.approve_competition_spend`: a board representative seated on the fund's board,
no committee, donor or lender hat, a purpose of the list after ¶72, the sub-fund's balance), and
the approval posts that spend. A purpose funds does not know, or a group without an open fund,
is kept as a refused request with the reason: the inventors' request is never lost, nor a crash.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from funds.domain.outflows import SpendRequest
from funds.domain.policy import CompetitionPurpose
from megp_common.aggregate import Aggregate
from megp_common.refusals import StateConflict

#: ip-counsel's purpose names → the Competition Sub-Fund's purposes (the list after ¶72). An
#: IMPI fee is paid under research (a patent or utility model protects its result) or under
#: samples, designs, prototypes and innovations (an industrial design, a prototype); no other
#: purpose of the list is an IMPI fee's.
IP_COUNSEL_PURPOSES: dict[str, CompetitionPurpose] = {
    "scientific_technological_research": CompetitionPurpose.RESEARCH,
    "samples_designs_innovations": CompetitionPurpose.SAMPLES_DESIGNS,
}

#: Who an approved fee is paid to.
IMPI = "IMPI"


def purpose_for(asked: str | None) -> CompetitionPurpose | None:
    """The fund's purpose for ip-counsel's name; None when funds does not know it."""
    return None if asked is None else IP_COUNSEL_PURPOSES.get(asked)


def request_id_for(filing_id: str, deadline_id: str) -> str:
    """One spending request per IMPI fee deadline of a filing (ip-counsel asks once per
    deadline and source; a deadline's id is its filing's), so a redelivered or re-announced
    event finds the request it made."""
    return f"impi-fee-{filing_id}-{deadline_id}"


class SpendingStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class SpendingRequest(Aggregate):
    """`fund_id` is the group id (the fund's id); for a filing of no group, the inventor's."""

    fund_id: str
    state: str | None = None
    filing_id: str
    disclosure_id: str
    deadline_id: str
    kind: str
    asked_purpose: str | None = None
    purpose: CompetitionPurpose | None = None
    amount: Decimal
    currency: str = "MXN"
    due_on: date
    requested_by: str
    requested_on: date
    status: SpendingStatus = SpendingStatus.PENDING
    refusal: str | None = None
    entry_id: str | None = None
    approved_by: str | None = None
    approved_on: date | None = None

    def partition_key(self) -> str:
        return self.fund_id

    def state_code(self) -> str | None:
        return self.state

    @property
    def description(self) -> str:
        return f"IMPI fee {self.kind} of filing {self.filing_id} (due {self.due_on})"[:500]

    def spend(self, approver: str | None, roles: frozenset[str]) -> SpendRequest:
        """The competition spend the board approves, judged by the rule of every spend."""
        if self.status is not SpendingStatus.PENDING or self.purpose is None:
            raise StateConflict(
                f"spending request {self.id} is {self.status.value}"
                + (f": {self.refusal}" if self.refusal else "")
            )
        return SpendRequest(
            self.purpose.value, self.amount, IMPI, self.description, approver, roles
        )

    def approved(self, entry_id: str, approver: str | None, on: date) -> None:
        if self.status is SpendingStatus.APPROVED:
            if self.entry_id == entry_id:
                return  # a retry that posted nothing new
            raise StateConflict(f"spending request {self.id} was approved already")
        self.status, self.entry_id = SpendingStatus.APPROVED, entry_id
        self.approved_by, self.approved_on = approver, on


def refusal_for(
    asked_purpose: str | None, currency: str, fund_open: bool, group_id: str | None
) -> str | None:
    """Why funds cannot take the request, or None."""
    if group_id is None:
        return "the filing's inventors are not a project group: there is no fund to spend from"
    if not fund_open:
        return f"there is no open fund for group {group_id}"
    if purpose_for(asked_purpose) is None:
        known = ", ".join(sorted(IP_COUNSEL_PURPOSES))
        return f"{asked_purpose!r} is not a Competition Sub-Fund purpose for a fee ({known})"
    if currency != "MXN":
        return f"the Competition Sub-Fund pays in MXN, not {currency}"
    return None

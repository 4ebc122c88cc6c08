"""The events a partner bank may subscribe to, and how the service knows which bank an event
concerns: a fund's bank is the `trust_bank` of its `funds.FundOpened` [¶75], a loan's or a
line's is the `lender` of credit's `CreditLineOpened`, `LoanApproved`, `LoanDisbursed` or
`InstallmentDue`. An event whose bank is not known (yet) is delivered to nobody.

A donor portal (issue 16) subscribes for its association to donors' events about it: each names
its `association_id`, which is the subscriber it goes to. The service learns each association's
state of origin from `donors.AssociationRegistered` (a portal's token must cover it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FUND_MOVEMENTS = (
    "funds.InflowRecorded",
    "funds.TemporaryContributionReturned",
    "funds.DepositObligationsSettled",
    "funds.CompetitionSpendApproved",
    "funds.DevelopmentWithdrawalMade",
    "funds.FundRepaymentMade",
    "funds.FundRepaymentFailed",
    "funds.ReplenishmentReceived",
)
FUND_EVENTS = ("funds.FundOpened", *FUND_MOVEMENTS)
CREDIT_EVENTS = (
    "credit.CreditLineOpened",
    "credit.CreditLineReviewed",
    "credit.CreditLineTakenOver",
    "credit.LoanApproved",
    "credit.LoanDisbursed",
    "credit.InstallmentDue",
    "credit.InstallmentPaid",
    "credit.InstallmentOverdue",
    "credit.LoanRepaid",
)
#: What a partner bank may subscribe to.
EVENT_TYPES: tuple[str, ...] = FUND_EVENTS + CREDIT_EVENTS
#: What a donor portal may subscribe to: its association's donation booked (with its receipt),
#: refund settled (booked or refused), matching pledge lapsed or brought down by a partial
#: refund, and report ready.
DONOR_EVENTS: tuple[str, ...] = (
    "donors.DonationBooked",
    "donors.RefundSettled",
    "donors.MatchingPledgeLapsed",
    "donors.MatchingPledgeScaledDown",
    "donors.ReportReady",
)
#: What teaches the service an association (its state of origin); not subscribable.
ASSOCIATION_REGISTERED = "donors.AssociationRegistered"
#: The service's own notices about a bank's subscriptions (`domain/notices.py`). Every active
#: subscription of the bank receives them whatever its types; a subscription naming only these
#: is a bank's contact endpoint for them.
NOTICE_TYPES: tuple[str, ...] = ("webhooks.SubscriptionDisabled",)
#: What a subscription's `event_types` may hold, by subscriber kind.
BANK, ASSOCIATION = "bank", "association"
SUBSCRIBABLE: dict[str, tuple[str, ...]] = {
    BANK: EVENT_TYPES + NOTICE_TYPES,
    ASSOCIATION: DONOR_EVENTS + NOTICE_TYPES,
}


@dataclass(frozen=True)
class Holding:
    """What teaches the service a bank: a fund it holds in trust, a line or a loan it lends."""

    kind: str  # fund | line | loan
    key: str
    bank: str


def learnt(event_type: str, data: Mapping[str, Any]) -> list[Holding]:
    """The holdings an event states (none for most). An association's "bank" is its state of
    origin."""
    if event_type == ASSOCIATION_REGISTERED:
        return [Holding(ASSOCIATION, data["association_id"], data["origin_state_code"])]
    if event_type == "funds.FundOpened":
        return [Holding("fund", data["fund_id"], data["trust_bank"])]
    lender = data.get("lender")
    if not lender:
        return []
    if event_type == "credit.CreditLineOpened":
        return [Holding("line", data["line_id"], lender)]
    if event_type == "credit.CreditLineTakenOver":  # the line and every loan moved with it
        moved = [Holding("loan", str(loan), lender) for loan in data.get("loan_ids") or []]
        return [Holding("line", data["line_id"], lender), *moved]
    if event_type in ("credit.LoanApproved", "credit.LoanDisbursed", "credit.InstallmentDue"):
        found = [Holding("loan", data["loan_id"], lender)]
        if data.get("line_id"):
            found.append(Holding("line", data["line_id"], lender))
        return found
    return []


def holding_asked(event_type: str, data: Mapping[str, Any]) -> tuple[str, str] | None:
    """Which holding decides the event's bank: (kind, key), or None for an event not offered."""
    if event_type in FUND_EVENTS:
        return ("fund", data["fund_id"])
    if event_type in CREDIT_EVENTS:
        if data.get("loan_id"):
            return ("loan", data["loan_id"])
        if data.get("line_id"):
            return ("line", data["line_id"])
    return None


def bank_of(
    event_type: str, data: Mapping[str, Any], known: Mapping[tuple[str, str], str]
) -> str | None:
    """The bank an event concerns: the event's own `lender` where it names one, else the
    holding's bank as learnt before; None when the event is not offered or the bank unknown."""
    asked = holding_asked(event_type, data)
    if asked is None:
        return None
    lender = data.get("lender")
    if event_type in CREDIT_EVENTS and isinstance(lender, str) and lender:
        return lender
    return known.get(asked)


def association_of(event_type: str, data: Mapping[str, Any]) -> str | None:
    """The association a donors event goes to (None: not one a portal is offered)."""
    if event_type in DONOR_EVENTS:
        found = data.get("association_id")
        return str(found) if found else None
    return None


def ordering_key(event_type: str, data: Mapping[str, Any]) -> str:
    """What deliveries keep their order by: the fund (a group's fund pays its loans, so credit
    events order by the borrowing group too)."""
    return str(data.get("fund_id") or data.get("group_id") or "")

"""Events published by the donors service on `donors.events`.

Key of every message about money: the project group id (the fund's id), so funds takes a
group's donations, refunds and matching payments in order with everything else about its fund.
Association events are keyed by the association id. `state_code`: the INEGI code of the
group's (or, for an association, its community of origin's) federal entity.

Money: decimal strings; `amount` in the donation's currency, `amount_mxn` in pesos at
`exchange_rate` (MXN per unit of `currency`; 1 for a peso donation), both rounded half-even to
the centavo. Funds books what these events say, idempotent by the ids they carry, and names
them back in its own events (`donation_id`, `pledge_id`, `refund_id`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from megp_common.events import EventPayload, event_type
from megp_common.money import MoneyAmount


@event_type("donors.AssociationRegistered")
class AssociationRegistered(EventPayload):
    """A club of Mexicans abroad, and the community of origin it supports [¶53]."""

    association_id: str
    name: str
    country: str = Field(description="ISO 3166-1 alpha-2 of where the club is")
    city: str
    origin_state_code: str
    origin_municipality: str | None = Field(
        default=None, description="None: every municipality of the state"
    )
    registered_by: str
    registered_at: datetime


@event_type("donors.DonationMade")
class DonationMade(EventPayload):
    """An association's gift to a group's fund: funds posts it as a grant or a temporary
    contribution, split 50/50 [¶71-¶72], with entry key `donation_id`."""

    donation_id: str = Field(description="The platform's id (association + the portal's id)")
    portal_donation_id: str = Field(description="The portal's own id of the donation")
    association_id: str
    association_name: str
    group_id: str
    fund_id: str
    state_code: str
    kind: str = Field(description="grant | temporary_contribution")
    amount: MoneyAmount = Field(description="As given, in `currency`")
    currency: str
    exchange_rate: Decimal = Field(description="MXN per unit of `currency` (1 for MXN)")
    rate_date: date | None = Field(default=None, description="The recorded rate's day (USD)")
    amount_mxn: MoneyAmount
    return_due_on: date | None = Field(default=None, description="Temporary contributions")
    return_method: str | None = Field(
        default=None, description="How a temporary contribution is given back"
    )
    programme_id: str | None = Field(default=None, description="The matching programme, if any")
    made_at: datetime


@event_type("donors.DonationRefunded")
class DonationRefunded(EventPayload):
    """A refund or chargeback: funds posts a reversing entry (never an edit) for `amount_mxn`,
    half from each sub-fund, or refuses it when a sub-fund no longer holds its half."""

    refund_id: str
    donation_id: str
    association_id: str
    group_id: str
    fund_id: str
    state_code: str
    kind: str = Field(description="The donation's kind: grant | temporary_contribution")
    amount: MoneyAmount = Field(description="In the donation's currency")
    currency: str
    exchange_rate: Decimal = Field(description="The donation's own rate")
    amount_mxn: MoneyAmount
    whole: bool = Field(description="The whole donation is given back")
    chargeback: bool = False
    reason: str
    refunded_at: datetime


@event_type("donors.MatchingPledgeMade")
class MatchingPledgeMade(EventPayload):
    """A co-funder's share of a donation inside a matching programme (3x1 style)."""

    pledge_id: str
    programme_id: str
    cofunder_id: str
    cofunder_name: str
    tier: str = Field(description="federal | state | municipal | other")
    donation_id: str
    association_id: str
    group_id: str
    state_code: str
    amount: MoneyAmount = Field(description="MXN")
    due_by: datetime = Field(description="The programme window's end: unpaid, it lapses")
    pledged_at: datetime


@event_type("donors.MatchingPledgePaid")
class MatchingPledgePaid(EventPayload):
    """The co-funder paid its pledge: funds posts it as the co-funder's own grant, entry key
    `pledge_id`."""

    pledge_id: str
    programme_id: str
    cofunder_id: str
    cofunder_name: str
    tier: str
    source: str = Field(description="The inflow source funds records: national | local")
    donation_id: str
    group_id: str
    fund_id: str
    state_code: str
    amount: MoneyAmount = Field(description="MXN")
    paid_at: datetime


@event_type("donors.MatchingPledgeLapsed")
class MatchingPledgeLapsed(EventPayload):
    """The window closed with the pledge unpaid; the association is told."""

    pledge_id: str
    programme_id: str
    cofunder_id: str
    donation_id: str
    association_id: str
    group_id: str
    state_code: str
    amount: MoneyAmount
    lapsed_at: datetime


@event_type("donors.MatchingPledgeScaledDown")
class MatchingPledgeScaledDown(EventPayload):
    """A partial refund of the donation brought this unpaid pledge down in proportion to what
    the donation keeps (nothing left: `cancelled`). Funds books a pledge only when it is paid
    (`MatchingPledgePaid`, which carries the amount brought down), so this is the portal's and
    the co-funder's word of it: the room freed under the caps, the pledge's old and new amount."""

    pledge_id: str
    programme_id: str
    cofunder_id: str
    donation_id: str
    refund_id: str
    association_id: str
    group_id: str
    state_code: str
    previous_amount: MoneyAmount = Field(description="What was pledged before the refund")
    amount: MoneyAmount = Field(description="What is pledged now (0.00: cancelled)")
    cancelled: bool
    scaled_at: datetime


@event_type("donors.DonationBooked")
class DonationBooked(EventPayload):
    """Funds booked the donation and donors gave it its receipt: what a portal's webhook says
    when a donation is done. Ids and amounts only, never a person."""

    donation_id: str
    portal_donation_id: str
    association_id: str
    group_id: str
    fund_id: str
    state_code: str
    entry_id: str = Field(description="The fund's journal entry")
    amount: MoneyAmount = Field(description="As given, in `currency`")
    currency: str
    amount_mxn: MoneyAmount
    development: MoneyAmount = Field(description="To the Development Sub-Fund, MXN")
    competition: MoneyAmount = Field(description="To the Competition Sub-Fund, MXN")
    receipt_number: str = Field(description="YYYY-NNNNNN, never renumbered")
    booked_at: datetime


@event_type("donors.RefundSettled")
class RefundSettled(EventPayload):
    """Funds answered a refund or chargeback: `booked` (a reversing entry) or `refused` (the
    sub-funds no longer hold it; nothing posted)."""

    refund_id: str
    donation_id: str
    portal_donation_id: str
    association_id: str
    group_id: str
    state_code: str
    status: str = Field(description="booked | refused")
    amount: MoneyAmount = Field(description="In the donation's currency")
    currency: str
    amount_mxn: MoneyAmount
    entry_id: str | None = Field(default=None, description="The reversing entry, when booked")
    refusal: str | None = None
    settled_at: datetime


@event_type("donors.ReportReady")
class ReportReady(EventPayload):
    """A month's (or a year's) report of an association can be read: the period ended on the
    shared clock. Key: the association."""

    association_id: str
    state_code: str
    period: str = Field(description="YYYY-MM or YYYY")
    url: str = Field(description="The report's path under /v1 (add ?format=pdf for the PDF)")
    ready_at: datetime

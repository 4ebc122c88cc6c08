"""Events published by the ip-counsel service on `ip-counsel.events`.

**Metadata only.** No event carries a disclosure's content (its title, field, description,
claims or prior art), a counsellor's advice or a reviewer's comment: those are secret [¶3] and
stay sealed in ip-counsel's store. An event says that something happened to a disclosure, by
whom (participant, counsellor and committee member ids), when, and the route or decision.

Key of every disclosure event: the disclosure's project group id, so a group's disclosures stay
in order with its enrollment events; a counsellor's registration is keyed by the counsellor id.
Dates: ISO `YYYY-MM-DD`. Enumerations travel as plain strings (values in each description).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from megp_common.events import EventPayload, event_type
from megp_common.money import MoneyAmount

ROUTES = "patent | utility_model | industrial_design | trademark | trade_secret | publish"


class InventorShare(BaseModel):
    model_config = ConfigDict(frozen=True)

    participant_id: str
    share: Decimal = Field(description="Percent of the invention, the shares summing to 100")


@event_type("ip_counsel.DisclosureRecorded")
class DisclosureRecorded(EventPayload):
    """An inventor recorded an invention disclosure (its first revision)."""

    disclosure_id: str
    group_id: str
    state_code: str
    sector: str = Field(description="medical | construction | communications | ... [¶102]")
    inventors: list[InventorShare]
    public_disclosure_on: date | None = Field(
        default=None, description="An own public disclosure already made (opens the grace)"
    )
    recorded_by: str = Field(description="Participant id of the recording inventor")
    recorded_at: datetime


@event_type("ip_counsel.DisclosureRevised")
class DisclosureRevised(EventPayload):
    disclosure_id: str
    group_id: str
    revision: int = Field(ge=2)
    revised_by: str
    revised_at: datetime


@event_type("ip_counsel.CounsellorRegistered")
class CounsellorRegistered(EventPayload):
    counsellor_id: str
    name: str
    organization: str
    specialties: list[str]
    registered_by: str
    registered_at: datetime


@event_type("ip_counsel.CounsellorAssigned")
class CounsellorAssigned(EventPayload):
    disclosure_id: str
    group_id: str
    counsellor_id: str
    previous_counsellor_id: str | None = None
    assigned_by: str
    assigned_at: datetime


@event_type("ip_counsel.CounsellingSessionRecorded")
class CounsellingSessionRecorded(EventPayload):
    disclosure_id: str
    group_id: str
    counsellor_id: str
    number: int = Field(ge=1)
    held_on: date
    route_recommended: str | None = Field(default=None, description=ROUTES)
    recorded_at: datetime


@event_type("ip_counsel.ReviewOpened")
class ReviewOpened(EventPayload):
    disclosure_id: str
    group_id: str
    review_id: str
    committee_id: str
    revision: int = Field(ge=1, description="The revision under review")
    opened_by: str
    opened_at: datetime


@event_type("ip_counsel.ReviewScored")
class ReviewScored(EventPayload):
    """A reviewer scored (or scored again) on the five criteria of ¶57, 1 to 5 each."""

    disclosure_id: str
    group_id: str
    review_id: str
    member_id: str
    secrecy: int
    originality: int
    excellence: int
    authenticity: int
    market_fit: int
    scored_at: datetime


@event_type("ip_counsel.ReviewConcluded")
class ReviewConcluded(EventPayload):
    """The committee recommends a route, or asks the inventors for a revision."""

    disclosure_id: str
    group_id: str
    review_id: str
    recommendation: str = Field(description=f"{ROUTES} | revision")
    reviewers: int
    concluded_by: str
    concluded_at: datetime


@event_type("ip_counsel.InventorsDecided")
class InventorsDecided(EventPayload):
    """The inventors' choice [¶55]: file (with the route), keep secret, or publish."""

    disclosure_id: str
    group_id: str
    choice: str = Field(description="file | keep_secret | publish")
    route: str | None = Field(default=None, description="When filing: " + ROUTES)
    follows_recommendation: bool | None = Field(
        default=None, description="Against the last review's recommendation: false; none reviewed"
    )
    decided_by: str
    decided_at: datetime


# ---------------------------------------------------------------------------------------------
# Filings at IMPI and their deadlines
#
# Key of every message: the inventors' project group id, or the lead inventor's participant id
# where there is none. No event carries a disclosure's content (not even its title): a filing is
# named by its id, its disclosure's id, its type and its office numbers. Dates: ISO `YYYY-MM-DD`
# (the due date is the last day on which the act is on time). Money: decimal strings in MXN.
# Enumerations travel as plain strings; the values in use are listed in each field's description.

_FILING_TYPE = "patent | utility_model | industrial_design | trademark (the settings' table)"
_KIND = (
    "novelty_grace | priority | national_phase | office_action_response | grant_fee | annuity"
    " | renewal | use_declaration"
)


@event_type("ip_counsel.FilingDrafted")
class FilingDrafted(EventPayload):
    """The inventors decided to file [¶55]: a filing is prepared for a disclosure."""

    filing_id: str
    disclosure_id: str
    filing_type: str = Field(description=_FILING_TYPE)
    route: str = Field(description="national | pct")
    inventors: list[str] = Field(description="Participant ids of the inventors")
    group_id: str | None = None
    state_code: str | None = Field(default=None, description="INEGI code of the entity")
    public_disclosure_on: date | None = Field(
        default=None, description="The inventors' own public disclosure, if any"
    )
    priority_on: date | None = Field(default=None, description="A claimed priority date")
    drafted_on: date


@event_type("ip_counsel.FilingSubmitted")
class FilingSubmitted(EventPayload):
    """Filed at IMPI: the application number and filing date the office gave."""

    filing_id: str
    filing_type: str = Field(description=_FILING_TYPE)
    application_number: str
    filed_on: date
    priority_on: date = Field(description="The claimed priority date, else the filing date")
    expires_on: date | None = Field(
        default=None, description="The last day of the statutory term, when it runs from filing"
    )
    fee: MoneyAmount | None = None
    currency: str = "MXN"


@event_type("ip_counsel.FilingPublished")
class FilingPublished(EventPayload):
    filing_id: str
    published_on: date


@event_type("ip_counsel.FilingExaminationStarted")
class FilingExaminationStarted(EventPayload):
    filing_id: str
    started_on: date


@event_type("ip_counsel.OfficeActionReceived")
class OfficeActionReceived(EventPayload):
    """The examiner's requirement; `deadline_id` is the answer's deadline."""

    filing_id: str
    number: int = Field(ge=1)
    received_on: date
    deadline_id: str
    respond_by: date


@event_type("ip_counsel.FilingAllowed")
class FilingAllowed(EventPayload):
    """A notice of allowance: the grant fee is due by `grant_fee_due_on`."""

    filing_id: str
    allowed_on: date
    grant_fee_due_on: date | None = None


@event_type("ip_counsel.FilingGranted")
class FilingGranted(EventPayload):
    filing_id: str
    title_number: str
    granted_on: date
    expires_on: date | None = Field(default=None, description="None: renewable without end")


@event_type("ip_counsel.FilingInForce")
class FilingInForce(EventPayload):
    """The grant is published in IMPI's gazette: the title is in force."""

    filing_id: str
    in_force_on: date


@event_type("ip_counsel.FilingLapsed")
class FilingLapsed(EventPayload):
    """A statutory deadline was missed beyond any late period: the right is lost."""

    filing_id: str
    lapsed_on: date
    deadline_id: str
    kind: str = Field(description=_KIND)


@event_type("ip_counsel.FilingExpired")
class FilingExpired(EventPayload):
    """The statutory term ended (`expires_on` was its last day)."""

    filing_id: str
    expires_on: date
    expired_on: date


@event_type("ip_counsel.FilingAbandoned")
class FilingAbandoned(EventPayload):
    """Withdrawn by the inventors, or deemed abandoned when `deadline_id` was missed."""

    filing_id: str
    abandoned_on: date
    reason: str = Field(description="withdrawn | deadline_missed")
    deadline_id: str | None = None


@event_type("ip_counsel.DeadlineOpened")
class DeadlineOpened(EventPayload):
    """A deadline runs: `trigger` happened on `trigger_on`; the act is due by `due_on`.
    `fee` (and `surcharge` in a late period) is what is due to IMPI in MXN."""

    filing_id: str
    deadline_id: str
    kind: str = Field(description=_KIND)
    trigger: str = Field(
        description="public_disclosure | first_filing | prioritydate | office_action | "
        "allowance | grant | term_start | missed"
    )
    trigger_on: date
    opened_on: date
    due_on: date
    reminders: list[date] = Field(description="The days a reminder goes out")
    late: bool = Field(default=False, description="A late period after a missed deadline")
    block: int | None = Field(default=None, description="Annuity block or renewal number")
    fee: MoneyAmount | None = None
    surcharge: MoneyAmount | None = None
    currency: str = "MXN"


@event_type("ip_counsel.DeadlineReminderDue")
class DeadlineReminderDue(EventPayload):
    """A reminder day passed (`reminder_on`): the act is still due. After a gap between ticks
    only the latest passed reminder day is announced."""

    filing_id: str
    deadline_id: str
    kind: str = Field(description=_KIND)
    due_on: date
    reminder_on: date
    days_left: int = Field(
        ge=0, description="Days from the tick to the due date; 0: today is the last day"
    )


@event_type("ip_counsel.DeadlineMet")
class DeadlineMet(EventPayload):
    filing_id: str
    deadline_id: str
    kind: str = Field(description=_KIND)
    due_on: date
    met_on: date
    late: bool = False
    fee: MoneyAmount | None = None
    surcharge: MoneyAmount | None = None
    currency: str = "MXN"


@event_type("ip_counsel.DeadlineMissed")
class DeadlineMissed(EventPayload):
    """The due day passed with nothing done. `consequence`: late_period (`late_deadline_id`
    opened), lapsed, abandoned (the application is deemed abandoned) or priority_lost."""

    filing_id: str
    deadline_id: str
    kind: str = Field(description=_KIND)
    due_on: date
    missed_on: date
    consequence: str = Field(description="late_period | lapsed | abandoned | priority_lost")
    late_deadline_id: str | None = None


@event_type("ip_counsel.DeadlineSuperseded")
class DeadlineSuperseded(EventPayload):
    """No longer runs: the filing ended (lapsed, expired, abandoned) before it was due."""

    filing_id: str
    deadline_id: str
    kind: str = Field(description=_KIND)
    superseded_on: date
    reason: str = Field(description="lapsed | expired | abandoned")


# ---------------------------------------------------------------------------------------------
# Licences, assignments and royalties [¶3]
#
# Key: the disclosure's project group id, except RoyaltyReceived, keyed by the receiving
# inventor's project group id (enrollment counts it in that group's period results). Metadata
# only: a licence names its disclosure by id, never by title. Money: decimal strings in MXN.

_BASIS = "rate (a percent of the sales reported) | fixed (an amount per reporting period)"


@event_type("ip_counsel.LicenceGranted")
class LicenceGranted(EventPayload):
    """The inventors licensed their invention [¶3, ¶55]."""

    licence_id: str
    disclosure_id: str
    group_id: str
    state_code: str
    licensee: str = Field(description="The licensee's name")
    exclusive: bool
    territory: list[str]
    field_of_use: str
    starts_on: date
    ends_on: date
    basis: str | None = Field(default=None, description=_BASIS)
    period: str | None = Field(default=None, description="monthly | quarterly | yearly")
    recorded_by: str
    recorded_at: datetime


@event_type("ip_counsel.InventionAssigned")
class InventionAssigned(EventPayload):
    """The inventors assigned (sold) the invention; royalties may still follow."""

    licence_id: str
    disclosure_id: str
    group_id: str
    state_code: str
    assignee: str
    effective_on: date
    basis: str | None = Field(default=None, description=_BASIS)
    period: str | None = Field(default=None, description="monthly | quarterly | yearly")
    recorded_by: str
    recorded_at: datetime


@event_type("ip_counsel.RoyaltyReported")
class RoyaltyReported(EventPayload):
    """The licensee's report for one period: its sales and the royalty due on them."""

    licence_id: str
    disclosure_id: str
    group_id: str
    period_start: date
    period_end: date
    sales: MoneyAmount | None = None
    due: MoneyAmount
    currency: str = "MXN"
    recorded_by: str
    recorded_at: datetime


@event_type("ip_counsel.RoyaltyReceived")
class RoyaltyReceived(EventPayload):
    """One inventor's part of a royalty payment received: income for them, counted by
    enrollment in their business-plan period containing `received_on` (like a sale)."""

    payment_id: str
    licence_id: str
    disclosure_id: str
    participant_id: str
    group_id: str = Field(description="The inventor's project group")
    state_code: str | None = None
    share: Decimal = Field(description="The inventor's percent of the invention")
    amount: MoneyAmount = Field(description="Their part of the payment, exact to the centavo")
    payment_amount: MoneyAmount = Field(description="The whole payment, all inventors")
    currency: str = "MXN"
    period_start: date
    received_on: date


@event_type("ip_counsel.FeePaid")
class FeePaid(EventPayload):
    """An IMPI fee was paid (the amount due at `deadline_id`, with any surcharge), and by whom:
    the inventors themselves or their group's ODF. `DeadlineMet` follows."""

    filing_id: str
    deadline_id: str
    kind: str = Field(description=_KIND)
    amount: MoneyAmount
    currency: str = "MXN"
    paid_on: date
    paid_by: str = Field(description="inventors | odf")
    payer: str = Field(description="The inventor's participant id, or the ODF staff's subject")
    odf_id: str | None = Field(default=None, description="When the ODF paid: its id")


@event_type("ip_counsel.FeeFinancingRequested")
class FeeFinancingRequested(EventPayload):
    """The inventors ask for a fee to be financed: by their group's Competition Sub-Fund under
    one of its purposes (`purpose`: scientific_technological_research or
    samples_designs_innovations, the funds service's names), or by a loan. ip-counsel only
    announces the request; funds and credit decide on it by their own rules."""

    filing_id: str
    disclosure_id: str
    group_id: str | None = None
    state_code: str | None = None
    deadline_id: str
    kind: str = Field(description=_KIND)
    amount: MoneyAmount = Field(description="The amount due, surcharge included")
    currency: str = "MXN"
    due_on: date
    source: str = Field(description="competition_fund | loan")
    purpose: str | None = Field(
        default=None,
        description="competition_fund: scientific_technological_research | "
        "samples_designs_innovations; none for a loan",
    )
    requested_by: str = Field(description="The inventor's participant id")
    requested_on: date

"""Events published by the ip-counsel service on `ip-counsel.events`."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from megp_common.events import EventPayload, event_type
from megp_common.money import MoneyAmount

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

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

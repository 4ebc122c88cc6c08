"""What callers ask of ip-counsel, typed (the routes build these from request bodies)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ip_counsel.domain.content import DisclosureContent
from ip_counsel.domain.decision import Choice
from ip_counsel.domain.inventors import CoInventor
from ip_counsel.domain.review import Route, Scores


@dataclass(frozen=True)
class RecordDisclosure:
    group_id: str
    sector: str
    inventors: list[CoInventor]
    public_disclosure_on: date | None
    content: DisclosureContent


@dataclass(frozen=True)
class RegisterCounsellor:
    subject: str
    name: str
    organization: str
    specialties: list[str]


@dataclass(frozen=True)
class RecordSession:
    held_on: date
    advice: str
    route_recommended: Route | None


@dataclass(frozen=True)
class ScoreReview:
    scores: Scores
    comment: str | None


@dataclass(frozen=True)
class Decide:
    choice: Choice
    route: Route | None

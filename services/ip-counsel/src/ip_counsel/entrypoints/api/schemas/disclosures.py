"""Disclosures: what an inventor sends (RequestModel: unknown fields are 422) and what a reader
gets back. A POST answers metadata only (its answer is stored for Idempotency-Key replays, and
a stored answer must hold no content); content is read through the GET routes, where it is
null for every reader outside the circle of ¶3."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ip_counsel.domain.commands import Decide, RecordDisclosure
from ip_counsel.domain.content import DisclosureContent
from ip_counsel.domain.decision import Choice
from ip_counsel.domain.disclosure import Capacity, Disclosure, Revision
from ip_counsel.domain.inventors import CoInventor
from ip_counsel.domain.review import Route
from megp_common.schemas import RequestModel

Text = Annotated[str, Field(min_length=1, max_length=20_000)]
Line = Annotated[str, Field(min_length=1, max_length=300)]
Claim = Annotated[str, Field(min_length=1, max_length=5_000)]
Share = Annotated[
    Decimal,
    Field(gt=0, le=100, max_digits=7, decimal_places=4, description="Percent, e.g. 62.5"),
]

CONTENT_EXAMPLE: dict[str, Any] = {
    "title": "Horno de barro de doble cámara",
    "field": "ceramics kilns",
    "description": "A two-chamber clay kiln that reuses the exhaust heat of the first firing.",
    "claims": ["A kiln with a second chamber heated by the exhaust of the first."],
    "prior_art": ["Single-chamber Oaxacan kilns"],
}


class ContentIn(RequestModel):
    """The secret part of a revision: sealed before it is stored."""

    title: Line
    field: Line = Field(description="The field of technology (content: it can give it away)")
    description: Text
    claims: list[Claim] = Field(min_length=1, max_length=100, description="Draft claims")
    prior_art: list[Line] = Field(default_factory=list, max_length=100)

    def content(self) -> DisclosureContent:
        return DisclosureContent(**self.model_dump())


class CoInventorIn(RequestModel):
    participant_id: str = Field(min_length=1, max_length=100)
    share: Share


class DisclosureCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "group_id": "0194f2a1-aa11-7b22-8c33-4d44e55f6607",
                    "sector": "construction",
                    "inventors": [
                        {"participant_id": "0194f2a1-cc11-7b22-8c33-4d44e55f6607", "share": "60"},
                        {"participant_id": "0194f2a1-dd11-7b22-8c33-4d44e55f6607", "share": "40"},
                    ],
                    "public_disclosure_on": None,
                    "content": CONTENT_EXAMPLE,
                }
            ]
        },
    )

    group_id: str = Field(min_length=1, max_length=100, description="The inventors' group")
    sector: Line = Field(description="medical | construction | communications | ... [¶102]")
    inventors: list[CoInventorIn] = Field(
        min_length=1, max_length=20, description="The co-inventors and their shares (sum 100)"
    )
    public_disclosure_on: date | None = Field(
        default=None, description="An own public disclosure already made: today or before"
    )
    content: ContentIn

    def command(self) -> RecordDisclosure:
        return RecordDisclosure(
            group_id=self.group_id,
            sector=self.sector,
            inventors=[CoInventor(**i.model_dump()) for i in self.inventors],
            public_disclosure_on=self.public_disclosure_on,
            content=self.content.content(),
        )


class RevisionCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"content": CONTENT_EXAMPLE}]}
    )

    content: ContentIn


class DecisionCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"choice": "file", "route": "patent"}]}
    )

    choice: Choice
    route: Route | None = Field(default=None, description="When filing: the route")

    def command(self) -> Decide:
        return Decide(self.choice, self.route)


class CounsellorAssignment(RequestModel):
    counsellor_id: str = Field(min_length=1, max_length=100)


class InventorPublic(BaseModel):
    participant_id: str
    share: Decimal


class RevisionPublic(BaseModel):
    number: int
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, r: Revision) -> RevisionPublic:
        return cls(number=r.number, recorded_by=r.recorded_by, recorded_at=r.recorded_at)


class DecisionPublic(BaseModel):
    choice: Choice
    route: Route | None
    follows_recommendation: bool | None
    decided_by: str
    decided_at: datetime


class DisclosurePublic(BaseModel):
    """A disclosure's metadata: what every reader in its state may know."""

    id: str
    version: int
    group_id: str
    state_code: str
    sector: str
    status: str
    inventors: list[InventorPublic]
    public_disclosure_on: date | None
    revisions: list[RevisionPublic]
    counsellor_id: str | None
    review_ids: list[str]
    decision: DecisionPublic | None
    recorded_by: str
    created_at: datetime

    @classmethod
    def of(cls, d: Disclosure) -> DisclosurePublic:
        last = d.decisions[-1] if d.decisions else None
        return cls(
            id=d.id,
            version=d.version,
            group_id=d.group_id,
            state_code=d.state,
            sector=d.sector,
            status=d.status.value,
            inventors=[InventorPublic(**i.model_dump()) for i in d.inventors],
            public_disclosure_on=d.public_disclosure_on,
            revisions=[RevisionPublic.of(r) for r in d.revisions],
            counsellor_id=d.counsellor_id,
            review_ids=[r.review_id for r in d.reviews],
            decision=DecisionPublic(**last.model_dump(exclude={"request_id"})) if last else None,
            recorded_by=d.recorded_by,
            created_at=d.created_at,
        )


class ContentPublic(BaseModel):
    title: str
    field: str
    description: str
    claims: list[str]
    prior_art: list[str]


class DisclosureView(DisclosurePublic):
    """The metadata, and the revision's content when the reader is in the circle of ¶3
    (`content` null and `read_as` null otherwise). Every non-null `content` was logged."""

    revision: int
    read_as: Capacity | None
    content: ContentPublic | None

    @classmethod
    def of_read(
        cls, d: Disclosure, revision: int, read_as: Capacity | None, content: Any
    ) -> DisclosureView:
        shown = ContentPublic(**content.model_dump()) if content is not None else None
        return cls(
            **DisclosurePublic.of(d).model_dump(), revision=revision, read_as=read_as, content=shown
        )


class ContentRead(BaseModel):
    id: str
    subject: str
    participant_id: str | None
    capacity: str
    what: str = Field(description="revision <n> | session <n> | review:<id>:comment <member>")
    at: datetime

    @classmethod
    def of(cls, doc: dict[str, Any]) -> ContentRead:
        return cls(
            id=doc["_id"],
            subject=doc["subject"],
            participant_id=doc.get("participant_id"),
            capacity=doc["capacity"],
            what=doc["what"],
            at=doc["at"],
        )


class AccessLog(BaseModel):
    disclosure_id: str
    reads: list[ContentRead]

"""What ip-counsel's readers see. Metadata to anyone whose scope covers the disclosure's state;
content (opened, and its read logged first) only to the circle of ¶3 (service_layer/circle.py):
the same routes answer both, with the content fields null outside the circle, so a reader
learns from one answer what it may know and nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ip_counsel.domain.content import DisclosureContent
from ip_counsel.domain.counselling import CounsellingSession
from ip_counsel.domain.counsellor import Counsellor
from ip_counsel.domain.deadlines import Deadline
from ip_counsel.domain.disclosure import Capacity, Disclosure, Revision
from ip_counsel.domain.errors import OutsideTheCircle
from ip_counsel.domain.filings import Filing
from ip_counsel.domain.licence import Licence
from ip_counsel.domain.review import Review
from ip_counsel.service_layer.circle import capacity_of, open_sealed
from ip_counsel.service_layer.container import Services
from ip_counsel.service_layer.disclosures import loaded
from ip_counsel.service_layer.filings import loaded_filing
from megp_common.auth import Principal, Role, state_filter
from megp_common.errors import NotFound
from megp_common.web import page_by_id


@dataclass(frozen=True)
class Opened:
    """A disclosure as one reader sees it: `content` None outside the circle."""

    disclosure: Disclosure
    revision: Revision
    capacity: Capacity | None
    content: DisclosureContent | None


async def _content(services: Services, who: Principal, d: Disclosure, revision: Revision) -> Opened:
    capacity = await capacity_of(services, who, d)
    review = d.open_review
    if capacity is Capacity.REVIEWER and (review is None or review.revision != revision.number):
        capacity = None  # the committee reads the revision it reviews, no other
    if capacity is None:
        return Opened(d, revision, None, None)
    text = await open_sealed(
        services, who, d, capacity, revision.sealed, "revision", revision.number
    )
    return Opened(d, revision, capacity, DisclosureContent.model_validate_json(text))


async def disclosure(services: Services, who: Principal, disclosure_id: str) -> Opened:
    d = await loaded(services, who, disclosure_id)
    return await _content(services, who, d, d.latest)


async def revision(services: Services, who: Principal, disclosure_id: str, number: int) -> Opened:
    d = await loaded(services, who, disclosure_id)
    found = d.revision(number)
    if found is None:
        raise NotFound(f"disclosure {disclosure_id} has no revision {number}")
    return await _content(services, who, d, found)


async def disclosures(
    services: Services,
    who: Principal,
    *,
    group_id: str | None,
    state: str | None,
    cursor: str | None,
    limit: int,
    counsellor_id: str | None = None,
) -> tuple[list[Disclosure], str | None]:
    """Metadata of the disclosures in the caller's states (a state filter outside them: 403),
    of a group, or assigned to a counsellor."""
    query = state_filter(who, state)
    if group_id is not None:
        query["group_id"] = group_id
    if counsellor_id is not None:
        query["counsellor_id"] = counsellor_id
    return await page_by_id(services.disclosures, query, cursor=cursor, limit=limit)


async def access_log(
    services: Services, who: Principal, disclosure_id: str, limit: int
) -> list[dict[str, Any]]:
    """Who read the content, when, and what: for its inventors, and for programme supervisors
    (who audit the circle without entering it)."""
    d = await loaded(services, who, disclosure_id)
    inventor = who.has_role(Role.PARTICIPANT) and d.is_inventor(who.participant_id)
    if not inventor and not who.has_role(Role.PROGRAMME_SUPERVISOR):
        raise OutsideTheCircle("the content's read log is for its inventors and the programme")
    return await services.reads.of(d.id, limit)


async def review(
    services: Services, who: Principal, disclosure_id: str, review_id: str
) -> tuple[Disclosure, Review, dict[str, str] | None]:
    """A review's scores and outcome; its comments only to the circle."""
    d = await loaded(services, who, disclosure_id)
    found = d.review(review_id)
    if found is None:
        raise NotFound(f"disclosure {disclosure_id} has no review {review_id}")
    capacity = await capacity_of(services, who, d)
    if capacity is None:
        return d, found, None
    comments = {}
    for member_id, given in sorted(found.scores.items()):
        if given.comment is not None:
            comments[member_id] = await open_sealed(
                services, who, d, capacity, given.comment, f"review:{review_id}:comment", member_id
            )
    return d, found, comments


async def sessions(
    services: Services, who: Principal, disclosure_id: str
) -> tuple[Disclosure, list[tuple[CounsellingSession, str | None]]]:
    """The counselling sessions; their advice only to the inventors and the counsellor."""
    d = await loaded(services, who, disclosure_id)
    capacity = await capacity_of(services, who, d)
    advised = capacity in (Capacity.INVENTOR, Capacity.COUNSELLOR)
    out: list[tuple[CounsellingSession, str | None]] = []
    for s in d.sessions:
        advice = None
        if advised and capacity is not None:
            advice = await open_sealed(services, who, d, capacity, s.advice, "session", s.number)
        out.append((s, advice))
    return d, out


async def counsellor(services: Services, counsellor_id: str) -> Counsellor:
    found = await services.counsellors.find(counsellor_id)
    if found is None:
        raise NotFound(f"no counsellor has the id {counsellor_id}")
    return found


async def counsellors(
    services: Services,
    cursor: str | None,
    limit: int,
    signed_in_as: Principal | None = None,
) -> tuple[list[Counsellor], str | None]:
    """The register; with `signed_in_as`, only the counsellor that caller signs in as (the
    `ip_counsellor` role and the registered subject): none for anyone else."""
    if signed_in_as is None:
        return await page_by_id(services.counsellors, {}, cursor=cursor, limit=limit)
    if not signed_in_as.has_role(Role.IP_COUNSELLOR):
        return [], None
    query = {"subject": signed_in_as.subject}
    return await page_by_id(services.counsellors, query, cursor=cursor, limit=limit, scalar_eq=True)


async def licences(
    services: Services,
    who: Principal,
    *,
    disclosure_id: str | None,
    state: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Licence], str | None]:
    """Licences and assignments (metadata, reports and payments) in the caller's states."""
    query = state_filter(who, state)
    if disclosure_id is not None:
        query["disclosure_id"] = disclosure_id
    return await page_by_id(services.licences, query, cursor=cursor, limit=limit)


async def filing(services: Services, who: Principal, filing_id: str) -> Filing:
    """A filing (metadata only, as every reader in its state may know it)."""
    return await loaded_filing(services, who, filing_id)


async def filings(
    services: Services,
    who: Principal,
    *,
    disclosure_id: str | None,
    group_id: str | None,
    state: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Filing], str | None]:
    query = state_filter(who, state)
    for name, value in (
        ("disclosure_id", disclosure_id),
        ("group_id", group_id),
        ("status", status),
    ):
        if value is not None:
            query[name] = value
    return await page_by_id(services.filings, query, cursor=cursor, limit=limit)


async def deadlines(
    services: Services,
    who: Principal,
    *,
    within_days: int,
    counsellor_id: str | None,
    state: str | None,
    limit: int,
) -> list[tuple[Filing, Deadline]]:
    """The open deadlines due from today to `within_days` ahead (and any the tick has yet to
    mark missed), earliest first: of one counsellor's disclosures, or of the caller's states."""
    today = services.today()
    until = today + timedelta(days=within_days)
    query = state_filter(who, state)
    if counsellor_id is not None:
        theirs = await services.disclosures.find_many(
            query | {"counsellor_id": counsellor_id}, limit=1000, scalar_eq=True
        )
        query["disclosure_id"] = {"$in": [d.id for d in theirs]}
    found = await services.filings.due_by(query, until, limit)
    rows = [(f, d) for f in found for d in f.open_deadlines() if d.due_on <= until]
    rows.sort(key=lambda row: (row[1].due_on, row[0].id, row[1].id))
    return rows[:limit]

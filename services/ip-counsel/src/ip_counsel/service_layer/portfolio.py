"""The portfolio [¶102]: how many disclosures, filings, grants, lapses and licences there are by
sector (so that specialized Development Organizations can be formed around a sector: medical,
construction, communications ...), by state and by programme. Counts only: no id, no title, no
content.

Readers: programme supervisors (a state supervisor counts their states only) and counsellors
(the disclosures assigned to them). Anyone else is refused.

Filings are counted from the filings collection: every filing of a counted disclosure (a
disclosure may have several: national and PCT, or one per type), its grants (granted or in
force) and its lapses; `filings_counted` says so (it was false, with the filing columns null,
before filings were wired)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ip_counsel.domain.deadline_book import TITLED, FilingStatus
from ip_counsel.domain.disclosure import Disclosure
from ip_counsel.domain.errors import OutsideTheCircle
from ip_counsel.domain.filings import Filing
from ip_counsel.domain.licence import Kind, Licence
from ip_counsel.service_layer.container import Services
from megp_common.auth import Principal, Role, state_filter

#: The programme a disclosure counts under when its recorder's programmes are not known.
UNKNOWN = "unknown"


class By(StrEnum):
    SECTOR = "sector"
    STATE = "state"
    PROGRAMME = "programme"


@dataclass
class Row:
    key: str
    disclosures: int = 0
    licences: int = 0
    assignments: int = 0
    #: None while filings are not counted (see the module's doc)
    filings: int | None = None
    grants: int | None = None
    lapses: int | None = None
    disclosure_ids: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Portfolio:
    by: By
    rows: list[Row]
    filings_counted: bool


async def _scope(services: Services, who: Principal) -> dict[str, Any]:
    """The store filter on disclosures this reader may count."""
    if who.has_role(Role.PROGRAMME_SUPERVISOR):
        return state_filter(who)
    if who.has_role(Role.IP_COUNSELLOR):
        counsellor = await services.counsellors.by_subject(who.subject)
        if counsellor is not None:
            return state_filter(who) | {"counsellor_id": counsellor.id}
    raise OutsideTheCircle(
        "the portfolio is for programme supervisors and the counsellors (their disclosures)"
    )


async def _keys(services: Services, by: By, d: Disclosure) -> list[str]:
    if by is By.SECTOR:
        return [d.sector.strip().lower()]
    if by is By.STATE:
        return [d.state]
    recorder = await services.participants.find(d.recorded_by)
    return sorted(set(recorder.programmes)) if recorder and recorder.programmes else [UNKNOWN]


async def portfolio(services: Services, who: Principal, by: By) -> Portfolio:
    scope = await _scope(services, who)
    found: list[Disclosure] = await services.disclosures.find_many(scope)
    rows: dict[str, Row] = {}
    keys_of: dict[str, list[str]] = defaultdict(list)
    for d in found:
        for key in await _keys(services, by, d):
            row = rows.setdefault(key, Row(key))
            row.disclosures += 1
            keys_of[d.id].append(key)
    if keys_of:
        licences: list[Licence] = await services.licences.find_many(
            {"disclosure_id": {"$in": sorted(keys_of)}}
        )
        for licence in licences:
            for key in keys_of[licence.disclosure_id]:
                if licence.kind is Kind.ASSIGNMENT:
                    rows[key].assignments += 1
                else:
                    rows[key].licences += 1
    for row in rows.values():
        row.filings, row.grants, row.lapses = 0, 0, 0
    if keys_of:
        filings: list[Filing] = await services.filings.find_many(
            {"disclosure_id": {"$in": sorted(keys_of)}}
        )
        for filing in filings:
            for key in keys_of[filing.disclosure_id]:
                row = rows[key]
                row.filings = (row.filings or 0) + 1
                if filing.status in TITLED:
                    row.grants = (row.grants or 0) + 1
                if filing.status is FilingStatus.LAPSED:
                    row.lapses = (row.lapses or 0) + 1
    return Portfolio(by, sorted(rows.values(), key=lambda r: r.key), filings_counted=True)

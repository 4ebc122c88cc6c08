"""Report queries. Counting is done by the store where FerretDB v1 can (`$group` with
`{"$sum": "$one"}`, a field every participant document carries) and finished in Python."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from enrollment.domain.reports import ClosedResult
from megp_common.mongo import PACKED, SCALAR_EQ, Document, unpacked


@dataclass
class ParticipationCounts:
    total: int = 0
    by_state: Counter[str] = field(default_factory=Counter)
    by_gender: Counter[str] = field(default_factory=Counter)
    by_member_type: Counter[str] = field(default_factory=Counter)
    by_programme: Counter[str] = field(default_factory=Counter)
    indigenous: int = 0
    disabled: int = 0


def _scope(states: Collection[str] | None) -> dict[str, Any]:
    return {} if states is None else {"state": {"$in": sorted(states)}}


async def participation(
    db: AsyncDatabase[Document], states: Collection[str] | None
) -> ParticipationCounts:
    pipeline: list[dict[str, Any]] = [
        {"$match": _scope(states)},
        {
            "$group": {
                "_id": {
                    "state": "$state",
                    "gender": "$gender",
                    "member_type": "$member_type",
                    "programmes": "$programmes",
                    "indigenous": "$indigenous",
                    "disabled": "$disabled",
                },
                "n": {"$sum": "$one"},
            }
        },
    ]
    counts = ParticipationCounts()
    async for row in await db["participants"].aggregate(pipeline):
        key, n = row["_id"], int(row["n"])
        counts.total += n
        counts.by_state[key["state"]] += n
        counts.by_gender[key["gender"]] += n
        counts.by_member_type[key["member_type"]] += n
        for programme in key.get("programmes") or []:
            counts.by_programme[programme] += n
        counts.indigenous += n if key.get("indigenous") else 0
        counts.disabled += n if key.get("disabled") else 0
    return counts


async def closed_results(
    db: AsyncDatabase[Document],
    states: Collection[str] | None,
    group_id: str | None,
    until: str | None = None,
) -> AsyncIterator[ClosedResult]:
    """Every member's current result of every closed period (corrections replace results);
    `until` (an ISO day): only the periods that start by then, so a report of today counts
    what had happened by today (a clock wound back, in a test or a simulation, leaves periods
    of later years in the store, which no month's series counts either)."""
    query = _scope(states) | ({"group_id": group_id} if group_id else {})
    if until is not None:
        query["period_start"] = {"$lte": until}
    periods = db["group_periods"]
    async for raw in periods.find(query, {PACKED: 1}, comment=SCALAR_EQ):
        doc = unpacked(raw, periods.codec_options)
        for line in (doc.get("lines") or {}).values():
            current = (line.get("corrections") or [None])[-1] or line.get("result")
            if current:
                yield ClosedResult(
                    current["participant_id"],
                    Decimal(current["income"]),
                    Decimal(current["baseline"]),
                )


async def closed_results_between(
    db: AsyncDatabase[Document], states: Collection[str] | None, first: str, last: str
) -> AsyncIterator[tuple[str, str, ClosedResult]]:
    """(period month YYYY-MM, state, result) of every member's current result of the periods
    that start from day `first` to day `last` (ISO dates, both included)."""
    query = _scope(states) | {"period_start": {"$gte": first, "$lte": last}}
    periods = db["group_periods"]
    async for raw in periods.find(query, {PACKED: 1, "period_start": 1, "state": 1}):
        doc = unpacked(raw, periods.codec_options)
        month, state = str(raw["period_start"])[:7], str(raw["state"])
        for line in (doc.get("lines") or {}).values():
            current = (line.get("corrections") or [None])[-1] or line.get("result")
            if current:
                yield (
                    month,
                    state,
                    ClosedResult(
                        current["participant_id"],
                        Decimal(current["income"]),
                        Decimal(current["baseline"]),
                    ),
                )

"""The marketplace's reports, read from the sales ledger (`sale_lines`) and the purchasing
rounds: sales by a dimension, the producer's share per channel [¶97-¶98], women's and
indigenous producers' share of sales [¶19-¶20], and what the rounds saved.

Who reads: programme supervisors (national, or a state supervisor within their states: asking
for another state is a 403) and ODF staff, for their own ODF only (the token's
`organization`); anyone else is a 403.

Aggregation: the local store (FerretDB v1) cannot sum Decimals stored as strings, so a report
reads the matching lines (the filters are store queries on indexed scalars) and sums them in
Python with Decimal, exactly. It reads at most `REPORT_LINES_MAX` lines (a setting); a report
that would read more is a 422 asking for a narrower period or state, never a partial total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from megp_common.auth import Principal, Role, check_state
from megp_common.errors import ValidationFailed
from trade.adapters.repositories import TooManyLines
from trade.domain.errors import NotAuthorized
from trade.domain.ledger import SaleLine
from trade.domain.purchasing import PurchasingRound, RoundStatus, SavingsReport
from trade.service_layer.container import Services

#: The earliest and latest dates a report's period may name.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


@dataclass(frozen=True, slots=True)
class Filters:
    since: date | None = None
    until: date | None = None
    state: str | None = None
    odf_id: str | None = None
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class Reach:
    """What a reader's report covers: None for every state (national), or these states; and
    one ODF or all."""

    states: frozenset[str] | None
    odf_id: str | None


def reach(who: Principal, filters: Filters) -> Reach:
    """The part of the ledger `who` reads, narrowed by the filters; a 403 for a filter
    outside it."""
    if filters.since is not None and filters.until is not None and filters.since > filters.until:
        raise ValidationFailed(
            "the period starts after it ends: `from` is on or before `to`",
            errors=[{"loc": ["query", "from"], "msg": "after `to`", "type": "value_error"}],
        )
    if who.has_role(Role.PROGRAMME_SUPERVISOR):
        odf_id = filters.odf_id
    elif who.has_role(Role.ODF_STAFF):
        if who.organization is None:
            raise NotAuthorized(
                "ODF staff read the reports of their own ODF: the token names no organization"
            )
        if filters.odf_id is not None and filters.odf_id != who.organization:
            raise NotAuthorized(f"ODF staff read the reports of their own ODF, {who.organization}")
        odf_id = who.organization
    else:
        raise NotAuthorized("the marketplace's reports are for programme supervisors and ODF staff")
    if filters.state is not None:
        check_state(who, filters.state)
        return Reach(frozenset({filters.state}), odf_id)
    return Reach(None if who.is_national else frozenset(who.states), odf_id)


def line_queries(r: Reach, filters: Filters) -> list[dict[str, Any]]:
    """The store queries of a report: one per state it covers (a plain equality the store
    answers from its index), or one over every state for a national reader."""
    query: dict[str, Any] = {"currency": "MXN"}
    if r.odf_id is not None:
        query["odf_id"] = r.odf_id
    if filters.channel is not None:
        query["channel"] = filters.channel
    period: dict[str, str] = {}
    if filters.since is not None:
        period["$gte"] = filters.since.isoformat()  # dates are stored as ISO strings
    if filters.until is not None:
        period["$lte"] = filters.until.isoformat()
    if period:
        query["sold_on"] = period
    if r.states is None:
        return [query]
    return [query | {"state": state} for state in sorted(r.states)]


async def sale_lines(services: Services, who: Principal, filters: Filters) -> list[SaleLine]:
    """The ledger lines the reader may see that match the filters (MXN)."""
    queries = line_queries(reach(who, filters), filters)
    return await services.sale_lines.matching(queries, bound=services.settings.report_lines_max)


@dataclass(frozen=True, slots=True)
class RoundSavings:
    round: PurchasingRound
    savings: SavingsReport


async def purchasing_savings(
    services: Services, who: Principal, filters: Filters
) -> list[RoundSavings]:
    """Every round the reader may see that chose its quote, with its savings against each
    member buying alone at the best single-member quote."""
    r = reach(who, filters)
    query: dict[str, Any] = {"status": RoundStatus.ALLOCATED.value}
    if r.states is not None:
        query["state"] = {"$in": sorted(r.states)}
    bound = services.settings.report_rounds_max
    found = await services.rounds.find_many(query, sort=[("_id", 1)], limit=bound + 1)
    if len(found) > bound:
        raise TooManyLines("chosen rounds", bound)
    chosen = [
        rnd
        for rnd in found
        if (r.odf_id is None or r.odf_id in rnd.odf_ids)
        and (filters.since is None or (rnd.chosen_at and rnd.chosen_at.date() >= filters.since))
        and (filters.until is None or (rnd.chosen_at and rnd.chosen_at.date() <= filters.until))
    ]
    return [RoundSavings(rnd, rnd.savings()) for rnd in chosen]

"""The marketplace's reports [¶19-¶20, ¶97-¶98]: sales by a dimension, the producer's share per
channel, women's and indigenous producers' share, and the purchasing rounds' savings. For
programme supervisors (within their states) and ODF staff (their own ODF)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.errors import ValidationFailed
from trade.domain import ledger
from trade.domain.ledger import Dimension
from trade.entrypoints.api.deps import ServicesDep
from trade.entrypoints.api.errors import READ
from trade.entrypoints.api.schemas.reports import (
    ChannelShares,
    InclusionReport,
    ProducerSharesReport,
    PurchasingSavingsReport,
    SalesGroup,
    SalesReport,
    TotalsPublic,
)
from trade.service_layer import reports
from trade.service_layer.reports import FIRST_DAY, LAST_DAY, Filters

router = APIRouter(prefix="/reports", tags=["reports"])

Since = Annotated[
    date | None,
    Query(alias="from", description="First sale date included (YYYY-MM-DD, shared clock)"),
]
Until = Annotated[date | None, Query(description="Last sale date included (YYYY-MM-DD)")]
State = Annotated[
    str | None,
    Query(pattern=r"^(0[1-9]|[12][0-9]|3[0-2])$", description="INEGI state code, 01-32"),
]
Id = Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:.-]+$")]


def filters(
    since: date | None,
    until: date | None,
    state: str | None,
    odf_id: str | None = None,
    channel: str | None = None,
) -> Filters:
    for name, day in (("from", since), ("to", until)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationFailed(
                f"`{name}` is between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}",
                errors=[{"loc": ["query", name], "msg": "out of range", "type": "value_error"}],
            )
    return Filters(since=since, until=until, state=state, odf_id=odf_id, channel=channel)


@router.get(
    "/sales",
    response_model=SalesReport,
    responses=READ,
    summary="Sales by producer, ODF, channel, state, niche or programme: lines, units, amounts",
)
async def sales(
    services: ServicesDep,
    who: CurrentPrincipal,
    by: Dimension = Dimension.STATE,
    since: Since = None,
    to: Until = None,
    state: State = None,
    odf_id: Id = None,
    channel: Id = None,
) -> SalesReport:
    f = filters(since, to, state, odf_id, channel)
    lines = await reports.sale_lines(services, who, f)
    return SalesReport(
        by=by,
        since=since,
        until=to,
        state=state,
        groups=[SalesGroup.keyed(k, t) for k, t in ledger.totals_by(lines, by).items()],
        total=TotalsPublic.of(ledger.overall(lines)),
    )


@router.get(
    "/producer-shares",
    response_model=ProducerSharesReport,
    responses=READ,
    summary="The distribution of the producer's share of each sale line, per channel [¶97-¶98]",
)
async def producer_shares(
    services: ServicesDep,
    who: CurrentPrincipal,
    channel: Id = None,
    since: Since = None,
    to: Until = None,
    state: State = None,
) -> ProducerSharesReport:
    lines = await reports.sale_lines(services, who, filters(since, to, state, channel=channel))
    return ProducerSharesReport(
        channels=[ChannelShares.of(c, d) for c, d in ledger.shares_by_channel(lines).items()]
    )


@router.get(
    "/inclusion",
    response_model=InclusionReport,
    responses=READ,
    summary="Women's and indigenous producers' share of sales and of producer income [¶19-¶20]",
)
async def inclusion(
    services: ServicesDep,
    who: CurrentPrincipal,
    since: Since = None,
    to: Until = None,
    state: State = None,
) -> InclusionReport:
    lines = await reports.sale_lines(services, who, filters(since, to, state))
    return InclusionReport.of(*ledger.inclusion(lines))


@router.get(
    "/purchasing-savings",
    response_model=PurchasingSavingsReport,
    responses=READ,
    summary="What each purchasing round saved against its members buying alone [¶30, ¶69]",
)
async def purchasing_savings(
    services: ServicesDep,
    who: CurrentPrincipal,
    since: Since = None,
    to: Until = None,
    state: State = None,
) -> PurchasingSavingsReport:
    found = await reports.purchasing_savings(services, who, filters(since, to, state))
    return PurchasingSavingsReport.of(found)

"""Lenders [¶83, ¶90]: a partner bank takes a group's line over with the consent of its current
lender of record; a lender's creditworthiness view of the groups it lends to [¶88, ¶90]."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse, Response

from credit.domain import creditworthiness as cw
from credit.entrypoints.api.deps import Lender, PortfolioReader, ServicesDep, keyed
from credit.entrypoints.api.errors import READ, WRITE
from credit.entrypoints.api.schemas.lenders import CreditworthinessPublic, TakeoverOfferCreate
from credit.entrypoints.api.schemas.lines import LinePublic
from credit.service_layer import lenders, queries
from megp_common.auth import BankAccess, Principal, Role, open_to_banks
from megp_common.auth.fastapi import require_roles
from megp_common.web import IdempotencyKey, JsonAnswer

router = APIRouter(tags=["lenders"])
GroupId = Annotated[str, Path(min_length=1, max_length=100)]
LenderName = Annotated[str, Path(min_length=1, max_length=100)]
#: the current lender of record, or a programme supervisor (national, for NAFIN)
LenderOrSupervisor = Annotated[
    Principal, Depends(require_roles(Role.PARTNER_BANK, Role.PROGRAMME_SUPERVISOR))
]


async def _line(services: ServicesDep, who: Principal, group_id: str) -> LinePublic:
    line, available = await queries.line(services, who, group_id)
    return LinePublic.of(line, available)


@router.post(
    "/lines/{group_id}/takeover",
    response_model=LinePublic,
    responses=WRITE,
    summary="A partner bank offers to take the line over from a day [¶83, ¶90]",
    openapi_extra=open_to_banks(BankAccess.OWN),
)
async def offer_takeover(
    group_id: GroupId,
    body: TakeoverOfferCreate,
    services: ServicesDep,
    who: Lender,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, LinePublic]:
        await lenders.offer(services, who, body.command(group_id))
        return 200, await _line(services, who, group_id)

    return await keyed(services, who, f"takeover:{group_id}", key, body, run)


@router.post(
    "/lines/{group_id}/takeover/consent",
    response_model=LinePublic,
    responses=WRITE,
    summary="The current lender of record consents to the offered takeover",
    openapi_extra=open_to_banks(BankAccess.LENDER),
)
async def consent_to_takeover(
    group_id: GroupId, services: ServicesDep, who: LenderOrSupervisor, key: IdempotencyKey
) -> JSONResponse:
    async def run(_: str) -> tuple[int, LinePublic]:
        await lenders.consent(services, who, group_id)
        return 200, await _line(services, who, group_id)

    return await keyed(services, who, f"takeover-consent:{group_id}", key, {}, run)


@router.post(
    "/lines/{group_id}/takeover/refusal",
    response_model=LinePublic,
    responses=WRITE,
    summary="The current lender of record declines the offered takeover",
    openapi_extra=open_to_banks(BankAccess.LENDER),
)
async def decline_takeover(
    group_id: GroupId, services: ServicesDep, who: LenderOrSupervisor, key: IdempotencyKey
) -> JSONResponse:
    async def run(_: str) -> tuple[int, LinePublic]:
        await lenders.decline(services, who, group_id)
        return 200, await _line(services, who, group_id)

    return await keyed(services, who, f"takeover-refusal:{group_id}", key, {}, run)


SUMMARY = (
    "lender",
    "as_of",
    "outstanding_principal",
    "par30",
    "par90",
    "loans",
    "groups",
    "step_ups_earned",
    "line_raises",
)


def _csv(view: cw.Creditworthiness, page: list[cw.GroupRecord], table: str) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    if table == "summary":
        w.writerow(SUMMARY)
        w.writerow([getattr(view, f) for f in SUMMARY])
    elif table == "vintages":
        w.writerow(["month", "loans", "disbursed", "months_since", "repaid_share"])
        for v in view.vintages:
            for k, part in enumerate(v.repaid_share):
                w.writerow([v.month, v.loans, v.disbursed, k, part])
    elif table == "groups":
        fields = [
            "group_id",
            "state",
            "loans",
            "active_loans",
            "repaid_loans",
            "outstanding_principal",
            "instalments_due",
            "paid_on_time",
            "paid_late",
            "unpaid",
            "days_late_total",
            "days_late_max",
            "days_past_due",
            "current_state",
        ]
        w.writerow([*fields, "step_ups", "line_raises"])
        for r in page:
            w.writerow([getattr(r, f) for f in fields] + [len(r.step_ups), len(r.line_raises)])
    elif table == "step_ups":
        w.writerow(
            [
                "group_id",
                "loan_id",
                "borrower_kind",
                "borrower_id",
                "amount",
                "repaid_on",
                "may_borrow_up_to",
            ]
        )
        for r in page:
            for s in r.step_ups:
                w.writerow(
                    [
                        r.group_id,
                        s.loan_id,
                        s.borrower_kind,
                        s.borrower_id,
                        s.amount,
                        s.repaid_on,
                        s.may_borrow_up_to,
                    ]
                )
    else:
        w.writerow(["group_id", "reviewed_on", "previous_limit", "limit", "lender"])
        for r in page:
            for x in r.line_raises:
                w.writerow([r.group_id, x.reviewed_on, x.previous_limit, x.limit, x.lender])
    return out.getvalue()


@router.get(
    "/lenders/{lender}/creditworthiness",
    response_model=CreditworthinessPublic,
    responses=READ | {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    summary="A lender's view of its groups' creditworthiness [¶88, ¶90], as JSON or CSV",
    openapi_extra=open_to_banks(BankAccess.OWN),
    description="Outstanding principal, PAR30 and PAR90, vintage curves, each group's "
    "repayment record and the step-ups earned, over the loans the lender holds now and the "
    "lines it lends on. Groups are paged by id (`after`, `limit`); the summary and the vintage "
    "curves cover every group. `format=csv` answers one table (`table`) as text/csv, the "
    "paged tables (groups, step_ups, line_raises) for the same page, with the next page's "
    "`after` in the `Next-After` header.",
)
async def creditworthiness(
    lender: LenderName,
    services: ServicesDep,
    who: PortfolioReader,
    format: Literal["json", "csv"] = "json",
    table: Literal["summary", "vintages", "groups", "step_ups", "line_raises"] = "summary",
    after: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    view = await lenders.creditworthiness(services, who, lender)
    rest = [r for r in view.records if after is None or r.group_id > after]
    page = rest[:limit]
    next_after = page[-1].group_id if len(rest) > limit else None
    if format == "csv":
        headers = {"Next-After": next_after} if next_after else {}
        return Response(_csv(view, page, table), media_type="text/csv", headers=headers)
    body = CreditworthinessPublic.of(view, page, next_after)
    return JsonAnswer(body.model_dump(mode="json"))

"""The trust account's statement for a period, as JSON or as ISO 20022 camt.053.001.08: read by
the fund's trust bank, and by staff and supervisors within their states."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse, Response

from funds.adapters import camt053
from funds.domain.bank_statement import TrustStatement
from funds.domain.calendar import to_amount
from funds.domain.errors import InvalidInput
from funds.entrypoints.api.deps import ServicesDep, open_fund_for
from funds.entrypoints.api.errors import READ, WRITE
from funds.entrypoints.api.schemas.funds import (
    ID_PATTERN,
    BankStatementPublic,
    BankStatementUpload,
    MovementPublic,
    ReconciliationPage,
    ReconciliationPublic,
)
from funds.service_layer import queries
from funds.service_layer.reconciling import reconcile_upload
from megp_common.auth import BankAccess, Principal, Role, check_bank, open_to_banks
from megp_common.auth.fastapi import require_roles
from megp_common.errors import NotFound
from megp_common.mongo import Document
from megp_common.web import (
    CursorQuery,
    IdempotencyKey,
    JsonAnswer,
    LimitQuery,
    Once,
    answer_once,
    decode_cursor,
    encode_cursor,
)

router = APIRouter(tags=["statements"])
FundId = Annotated[str, Path(pattern=ID_PATTERN, description="The project group's id")]
STATEMENT_READERS = (Role.PARTNER_BANK, Role.ODF_STAFF, Role.PROGRAMME_SUPERVISOR)
Reader = Annotated[Principal, Depends(require_roles(*STATEMENT_READERS))]
TrustBank = Annotated[Principal, Depends(require_roles(Role.PARTNER_BANK))]


def check_statement_reader(who: Principal, trust_bank: str | None) -> None:
    """Staff and supervisors (`Reader`; their state is checked with the fund); a partner bank
    only the funds it holds in trust (`check_bank`, whatever other roles its token carries)."""
    check_bank(who, trust_bank, what="fund")


def _public(s: TrustStatement) -> BankStatementPublic:
    return BankStatementPublic(
        fund_id=s.fund_id,
        trust_bank=s.trust_bank,
        currency=s.currency,
        start=s.start,
        end=s.end,
        opening_balance=to_amount(s.opening_cents),
        closing_balance=to_amount(s.closing_cents),
        total_credits=to_amount(s.credits_cents),
        total_debits=to_amount(s.debits_cents),
        movements=[
            MovementPublic(
                entry_id=m.entry_id,
                seq=m.seq,
                reference=m.reference,
                value_date=m.value_date,
                booking_date=m.booking_date,
                direction=m.direction.value,
                amount=to_amount(m.cents),
                kind=m.kind,
                description=m.description,
                counterpart=m.counterpart,
            )
            for m in s.movements
        ],
    )


TRUST = open_to_banks(BankAccess.TRUST_BANK)
CAMT = {200: {"content": {camt053.MEDIA_TYPE: {}}, "description": "JSON, or camt.053.001.08"}}


@router.get(
    "/funds/{fund_id}/bank-statement",
    response_model=BankStatementPublic,
    responses=READ | CAMT,  # type: ignore[operator]
    summary="The trust account's statement for a period (value dates, both ends included)",
    openapi_extra=TRUST,
)
async def bank_statement(
    fund_id: FundId,
    services: ServicesDep,
    who: Reader,
    start: Annotated[
        date | None, Query(alias="from", description="First day; default the 1st of `to`'s month")
    ] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day; default today")] = None,
    format: Annotated[
        Literal["json", "camt053"],
        Query(description="`camt053`: ISO 20022 camt.053.001.08 XML, valid against its schema"),
    ] = "json",
) -> BankStatementPublic | Response:
    fund = await open_fund_for(services, fund_id, who)
    check_statement_reader(who, fund.trust_bank)
    last = end or services.clock.now().date()
    first = start or last.replace(day=1)
    found = await queries.trust_statement(services, fund, first, last)
    if format == "camt053":
        document = camt053.to_camt053(found, services.clock.now())
        return Response(document, media_type=camt053.MEDIA_TYPE)
    return _public(found)


def _reconciliation(doc: Document) -> dict[str, object]:
    body = {k: v for k, v in doc.items() if k not in ("_id", "uploaded_by")}
    public = ReconciliationPublic(reconciliation_id=doc["_id"], **body)
    return public.model_dump(mode="json")


@router.post(
    "/funds/{fund_id}/bank-statements",
    status_code=201,
    response_model=ReconciliationPublic,
    responses=WRITE,
    summary="The trust bank's own camt.053 of the account, reconciled against the journal "
    "and stored (nothing is posted)",
    openapi_extra=TRUST,
)
async def upload_bank_statement(
    fund_id: FundId,
    body: BankStatementUpload,
    services: ServicesDep,
    who: TrustBank,
    key: IdempotencyKey,
) -> JSONResponse:
    fund = await open_fund_for(services, fund_id, who)
    check_bank(who, fund.trust_bank, what="fund")  # TrustBank: the role is there

    async def run() -> tuple[int, object]:
        doc = await reconcile_upload(services, fund, body.document.encode(), who.subject)
        return 201, _reconciliation(doc)

    once = Once(f"funds:bank-statement:{fund_id}", who.subject, key)
    status, payload = await answer_once(services.idempotency, once, body.model_dump(), run)
    return JsonAnswer(payload, status_code=status)


@router.get(
    "/funds/{fund_id}/reconciliations",
    response_model=ReconciliationPage,
    responses=READ,
    summary="The fund's stored reconciliations, newest first",
    openapi_extra=TRUST,
)
async def reconciliations(
    fund_id: FundId,
    services: ServicesDep,
    who: Reader,
    cursor: CursorQuery = None,
    limit: LimitQuery = 20,
) -> JSONResponse:
    fund = await open_fund_for(services, fund_id, who, view=True)
    check_statement_reader(who, fund.trust_bank)
    before = decode_cursor(cursor).get("version") if cursor else None
    if before is not None and (not isinstance(before, int) or isinstance(before, bool)):
        raise InvalidInput("the cursor names no reconciliation")
    found, more = await services.reconciliations.page(fund.id, before, limit)
    next_cursor = encode_cursor({"version": found[-1]["version"]}) if more and found else None
    return JsonAnswer({"items": [_reconciliation(d) for d in found], "next_cursor": next_cursor})


@router.get(
    "/funds/{fund_id}/reconciliations/{version}",
    response_model=ReconciliationPublic,
    responses=READ,
    summary="A stored reconciliation, by its version",
    openapi_extra=TRUST,
)
async def reconciliation(
    fund_id: FundId,
    version: Annotated[int, Path(ge=1, le=1_000_000)],
    services: ServicesDep,
    who: Reader,
) -> JSONResponse:
    fund = await open_fund_for(services, fund_id, who)
    check_statement_reader(who, fund.trust_bank)
    found = await services.reconciliations.of_version(fund.id, version)
    if found is None:
        raise NotFound(f"fund {fund_id} has no reconciliation {version}")
    return JsonAnswer(_reconciliation(found))

"""Donations: given by an association's portal, refunded by it, read with their receipt and
what the money did."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from donors.adapters.receipt_pdf import receipt_pdf
from donors.entrypoints.api.deps import DonationId, Portal, Reader, ServicesDep, keyed
from donors.entrypoints.api.errors import READ, WRITE
from donors.entrypoints.api.schemas.donations import (
    DonationCreate,
    DonationImpactPublic,
    DonationPublic,
    ReceiptPublic,
    ReceiptTextPublic,
    RefundCreate,
)
from donors.entrypoints.api.schemas.programmes import PledgePublic
from donors.service_layer import donations, queries
from megp_common.auth import DonorAccess, open_to_donors
from megp_common.web import IdempotencyKey, JsonAnswer

router = APIRouter(prefix="/donations", tags=["donations"])
#: the association's own records, open to its portal (`megp_common.auth.donors`)
OWN = open_to_donors(DonorAccess.ASSOCIATION)


@router.post(
    "",
    status_code=201,
    response_model=DonationPublic,
    responses=WRITE,
    summary="An association gives to a group's fund (grant or temporary contribution, USD or "
    "MXN); funds books it and splits it 50/50 [¶53, ¶71-¶72]",
    openapi_extra=open_to_donors(DonorAccess.COMMUNITY),
)
async def give(
    body: DonationCreate, services: ServicesDep, who: Portal, key: IdempotencyKey
) -> JSONResponse:
    async def run(_: str) -> tuple[int, DonationPublic]:
        given = await donations.give(services, who, body.portal_donation_id, body.terms())
        pledges = [PledgePublic.of(p) for p in given.pledges]
        return (201 if given.created else 200), DonationPublic.of(given.donation, pledges)

    return await keyed(services, who, "donations", key, body, run)


@router.get(
    "/{donation_id}",
    response_model=DonationPublic,
    responses=READ,
    summary="A donation (its association's portal, supervisors of its state)",
    openapi_extra=OWN,
)
async def get_donation(
    donation_id: DonationId, services: ServicesDep, who: Reader
) -> DonationPublic:
    found = await donations.donation(services, who, donation_id)
    pledges = [PledgePublic.of(p) for p in await services.pledges.of_donation(found.id)]
    return DonationPublic.of(found, pledges)


@router.post(
    "/{donation_id}/refund",
    status_code=202,
    response_model=DonationPublic,
    responses=WRITE,
    summary="A refund or chargeback: funds books it as a reversing entry, never an edit (one "
    "per donation; more than was given is a 422)",
    openapi_extra=OWN,
)
async def refund(
    donation_id: DonationId,
    body: RefundCreate,
    services: ServicesDep,
    who: Portal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(refund_id: str) -> tuple[int, DonationPublic]:
        found = await donations.refund(
            services, who, donation_id, refund_id, body.amount, body.reason, body.chargeback
        )
        return 202, DonationPublic.of(found)

    return await keyed(services, who, f"donations.{donation_id}.refund", key, body, run)


@router.get(
    "/{donation_id}/receipt",
    response_model=ReceiptPublic,
    responses={**READ, 200: {"content": {"application/pdf": {}}}},
    summary="The donation's numbered receipt, in Spanish and English, as JSON or PDF (409 "
    "until the fund has booked it)",
    openapi_extra=OWN,
)
async def receipt(
    donation_id: DonationId,
    services: ServicesDep,
    who: Reader,
    format: Literal["json", "pdf"] = "json",
) -> Response:
    found, texts = await queries.receipt(services, who, donation_id)
    assert found.receipt is not None
    if format == "pdf":
        return Response(receipt_pdf(texts, found.receipt.issued_at), media_type="application/pdf")
    body = ReceiptPublic(
        number=found.receipt.number,
        issued_at=found.receipt.issued_at,
        donation=DonationPublic.of(found),
        refunded=found.refund is not None and found.refund.status.value == "booked",
        text={t.language: ReceiptTextPublic.of(t) for t in texts},
    )
    return JsonAnswer(body.model_dump(mode="json"))


@router.get(
    "/{donation_id}/impact",
    response_model=DonationImpactPublic,
    responses=READ,
    summary="What the donation did: the fund's balances over time, its share of the inflows, "
    "spending by purpose, lent and repaid, notices",
    openapi_extra=OWN,
)
async def impact(
    donation_id: DonationId, services: ServicesDep, who: Reader
) -> DonationImpactPublic:
    return DonationImpactPublic.of(await queries.donation_impact(services, who, donation_id))

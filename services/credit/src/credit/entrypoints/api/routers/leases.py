"""Leasing [¶91-¶93]: the ODF leases an asset to a member; default, transfer, purchase."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from credit.domain.commands import PayRent, TransferLease
from credit.domain.lease import LeaseStatus
from credit.entrypoints.api.deps import Member, OdfStaff, ServicesDep, keyed
from credit.entrypoints.api.errors import READ, WRITE
from credit.entrypoints.api.schemas.leases import LeaseCreate, LeasePublic, LeaseTransfer
from credit.service_layer import leases, queries
from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import DEFAULT_PAGE_SIZE, CursorQuery, IdempotencyKey, LimitQuery, Page

router = APIRouter(prefix="/leases", tags=["leasing"])
LeaseId = Annotated[str, Path(min_length=1, max_length=100)]
GroupFilter = Annotated[str, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")]


@router.get(
    "",
    response_model=Page[LeasePublic],
    responses=READ,
    summary="A group's leases (a group of the caller's states), in id order, a page at a time",
)
async def list_leases(
    group_id: GroupFilter,
    services: ServicesDep,
    who: CurrentPrincipal,
    status: LeaseStatus | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[LeasePublic]:
    found, next_cursor = await queries.leases_of_group(
        services, who, group_id, status, cursor=cursor, limit=limit
    )
    return Page(items=[LeasePublic.of(lease) for lease in found], next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    response_model=LeasePublic,
    responses=WRITE,
    summary="The ODF leases an asset to a member of its group",
)
async def sign(
    body: LeaseCreate, services: ServicesDep, who: OdfStaff, key: IdempotencyKey
) -> JSONResponse:
    async def run(lease_id: str) -> tuple[int, LeasePublic]:
        return 201, LeasePublic.of(await leases.sign(services, who, body.command(), lease_id))

    return await keyed(services, who, "leases", key, body, run)


@router.get(
    "/{lease_id}",
    response_model=LeasePublic,
    responses=READ,
    summary="A lease, its rents and every lessee it had",
)
async def get_lease(lease_id: LeaseId, services: ServicesDep, who: CurrentPrincipal) -> LeasePublic:
    return LeasePublic.of(await queries.lease(services, who, lease_id))


@router.post(
    "/{lease_id}/rents/{number}/payment",
    response_model=LeasePublic,
    responses=WRITE,
    summary="The lessee pays a rent",
)
async def pay_rent(
    lease_id: LeaseId,
    number: Annotated[int, Path(ge=1, le=1000)],
    services: ServicesDep,
    who: Member,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, LeasePublic]:
        lease = await leases.pay_rent(services, who, PayRent(lease_id, number))
        return 200, LeasePublic.of(lease)

    return await keyed(services, who, f"rent:{lease_id}:{number}", key, {}, run)


@router.post(
    "/{lease_id}/transfer",
    response_model=LeasePublic,
    responses=WRITE,
    summary="Another member accepts a lease in default [¶93]",
)
async def transfer(
    lease_id: LeaseId,
    body: LeaseTransfer,
    services: ServicesDep,
    who: Member,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, LeasePublic]:
        command = TransferLease(lease_id, body.to_participant_id)
        return 200, LeasePublic.of(await leases.transfer(services, who, command))

    return await keyed(services, who, f"transfer:{lease_id}", key, body, run)


@router.post(
    "/{lease_id}/purchase",
    response_model=LeasePublic,
    responses=WRITE,
    summary="The lessee keeps the asset for the symbolic price",
)
async def purchase(
    lease_id: LeaseId, services: ServicesDep, who: Member, key: IdempotencyKey
) -> JSONResponse:
    async def run(_: str) -> tuple[int, LeasePublic]:
        return 200, LeasePublic.of(await leases.purchase(services, who, lease_id))

    return await keyed(services, who, f"purchase:{lease_id}", key, {}, run)

"""A partner bank's subscriptions: subscribe, list, read, disable, enable, rotate the secret,
and the delivery log."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from megp_common.auth import BankAccess, DonorAccess, open_to_banks, open_to_donors
from megp_common.web import IdempotencyKey
from webhooks.entrypoints.api.deps import (
    Bank,
    DeliveryId,
    Reader,
    ServicesDep,
    SubscriptionId,
    keyed,
)
from webhooks.entrypoints.api.errors import READ, WRITE
from webhooks.entrypoints.api.schemas.subscriptions import (
    DeliveryPublic,
    DeliveryReplayed,
    SecretRotated,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionPublic,
)
from webhooks.service_layer import queries, subscriptions

router = APIRouter(prefix="/subscriptions", tags=["subscriptions"])
#: a bank's or an association's own subscriptions (`subscriptions.own`: another's are a 404)
OWN = open_to_banks(BankAccess.OWN) | open_to_donors(DonorAccess.ASSOCIATION)


@router.post(
    "",
    status_code=201,
    response_model=SubscriptionCreated,
    responses=WRITE,
    summary="Subscribe the caller's bank to event types at a URL; the answer carries the "
    "signing secret",
    openapi_extra=OWN,
)
async def subscribe(
    body: SubscriptionCreate, services: ServicesDep, who: Bank, key: IdempotencyKey
) -> JSONResponse:
    async def run(sub_id: str) -> tuple[int, SubscriptionCreated]:
        made = await subscriptions.subscribe(
            services, who, sub_id, body.url, body.event_types, body.description
        )
        return 201, SubscriptionCreated.created(made)

    return await keyed(services, who, "subscriptions", key, body, run)


@router.get(
    "",
    response_model=list[SubscriptionPublic],
    responses=READ,
    summary="The bank's subscriptions (every bank's, for a national supervisor)",
    openapi_extra=OWN,
)
async def list_subscriptions(
    services: ServicesDep, who: Reader, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[SubscriptionPublic]:
    return [SubscriptionPublic.of(s) for s in await queries.subscriptions(services, who, limit)]


@router.get(
    "/{subscription_id}",
    response_model=SubscriptionPublic,
    responses=READ,
    summary="One of the bank's subscriptions",
    openapi_extra=OWN,
)
async def get_subscription(
    subscription_id: SubscriptionId, services: ServicesDep, who: Reader
) -> SubscriptionPublic:
    return SubscriptionPublic.of(await queries.subscription(services, who, subscription_id))


@router.post(
    "/{subscription_id}/disable",
    response_model=SubscriptionPublic,
    responses=WRITE,
    summary="Stop delivering to a subscription (its queue is kept)",
    openapi_extra=OWN,
)
async def disable(
    subscription_id: SubscriptionId, services: ServicesDep, who: Bank, key: IdempotencyKey
) -> JSONResponse:
    async def run(_: str) -> tuple[int, SubscriptionPublic]:
        return 200, SubscriptionPublic.of(
            await subscriptions.disable(services, who, subscription_id)
        )

    return await keyed(services, who, f"subscriptions.{subscription_id}.disable", key, {}, run)


@router.post(
    "/{subscription_id}/enable",
    response_model=SubscriptionPublic,
    responses=WRITE,
    summary="Deliver again, from where the queue stopped (its oldest undelivered first)",
    openapi_extra=OWN,
)
async def enable(
    subscription_id: SubscriptionId, services: ServicesDep, who: Bank, key: IdempotencyKey
) -> JSONResponse:
    async def run(_: str) -> tuple[int, SubscriptionPublic]:
        return 200, SubscriptionPublic.of(
            await subscriptions.enable(services, who, subscription_id)
        )

    return await keyed(services, who, f"subscriptions.{subscription_id}.enable", key, {}, run)


@router.post(
    "/{subscription_id}/secret-rotation",
    status_code=201,
    response_model=SecretRotated,
    responses=WRITE,
    summary="A new signing secret; the old one keeps signing too for SECRET_OVERLAP_S",
    openapi_extra=OWN,
)
async def rotate_secret(
    subscription_id: SubscriptionId, services: ServicesDep, who: Bank, key: IdempotencyKey
) -> JSONResponse:
    async def run(_: str) -> tuple[int, SecretRotated]:
        rotated = await subscriptions.rotate_secret(services, who, subscription_id)
        return 201, SecretRotated.rotated(rotated)

    scope = f"subscriptions.{subscription_id}.secret-rotation"
    return await keyed(services, who, scope, key, {}, run)


@router.get(
    "/{subscription_id}/deliveries",
    response_model=list[DeliveryPublic],
    responses=READ,
    summary="The delivery log: each delivery and every attempt's answer, oldest first",
    openapi_extra=OWN,
)
async def deliveries(
    subscription_id: SubscriptionId,
    services: ServicesDep,
    who: Reader,
    status: Literal["pending", "delivered", "failed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryPublic]:
    found = await queries.deliveries(services, who, subscription_id, status, limit)
    return [DeliveryPublic.of(d) for d in found]


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/replay",
    status_code=202,
    response_model=DeliveryReplayed,
    responses=WRITE,
    summary="Send a failed delivery again, with its same webhook-id",
    openapi_extra=OWN,
)
async def replay(
    subscription_id: SubscriptionId,
    delivery_id: DeliveryId,
    services: ServicesDep,
    who: Bank,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, DeliveryReplayed]:
        await subscriptions.replay(services, who, subscription_id, delivery_id)
        return 202, DeliveryReplayed(id=delivery_id, status="pending")

    scope = f"subscriptions.{subscription_id}.replay.{delivery_id}"
    return await keyed(services, who, scope, key, {}, run)

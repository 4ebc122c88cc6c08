"""Products [¶94-¶98]: the group's ODF lists its members' products and recounts their stock;
every signed-in reader sees them with their producer share."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from megp_common.auth import DonorAccess, open_to_donors
from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import IdempotencyKey
from trade.domain.commands import AdjustStock, WithdrawProduct
from trade.entrypoints.api.deps import OdfStaff, ServicesDep, keyed
from trade.entrypoints.api.errors import READ, WRITE
from trade.entrypoints.api.schemas.products import (
    ProductCreate,
    ProductPublic,
    ProductWithdrawal,
    StockAdjustment,
)
from trade.service_layer import products, queries

router = APIRouter(prefix="/products", tags=["products"])
ProductId = Annotated[str, Path(min_length=1, max_length=100)]
Filter = Annotated[str | None, Query(min_length=1, max_length=100)]


@router.post(
    "",
    status_code=201,
    response_model=ProductPublic,
    responses=WRITE,
    summary="The group's ODF lists a product of one of its members [¶94]; one naming an "
    "invention not protected yet is held (listing_status: held, and why)",
)
async def list_product(
    body: ProductCreate, services: ServicesDep, who: OdfStaff, key: IdempotencyKey
) -> JSONResponse:
    async def run(product_id: str) -> tuple[int, ProductPublic]:
        product, level = await products.list_product(services, who, body.command(), product_id)
        return 201, ProductPublic.of(product, level, who)

    return await keyed(services, who, "products", key, body, run)


@router.get(
    "",
    response_model=list[ProductPublic],
    responses=READ,
    summary="Products on sale, with their producer share and what is available",
    openapi_extra=open_to_donors(DonorAccess.COMMUNITY),
)
async def list_products(
    services: ServicesDep,
    who: CurrentPrincipal,
    group_id: Filter = None,
    state: Annotated[str | None, Query(pattern=r"^(0[1-9]|[12][0-9]|3[0-2])$")] = None,
    category: Filter = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    include_withdrawn: Annotated[
        bool, Query(description="Also the products taken off sale")
    ] = False,
) -> list[ProductPublic]:
    found = await queries.products(
        services,
        group_id=group_id,
        state=state,
        category=category,
        limit=limit,
        include_withdrawn=include_withdrawn,
        who=who,
    )
    return [ProductPublic.of(p, level, who) for p, level in found]


@router.get(
    "/{product_id}",
    response_model=ProductPublic,
    responses=READ,
    summary="A product, its producer share [¶97-¶98] and what is available",
    openapi_extra=open_to_donors(DonorAccess.COMMUNITY),
)
async def get_product(
    product_id: ProductId, services: ServicesDep, who: CurrentPrincipal
) -> ProductPublic:
    return ProductPublic.of(*await queries.product(services, product_id, who), who)


@router.post(
    "/{product_id}/stock-adjustments",
    response_model=ProductPublic,
    responses=WRITE,
    summary="The ODF recounts the stock: units more or fewer (never below what is reserved)",
)
async def adjust_stock(
    product_id: ProductId,
    body: StockAdjustment,
    services: ServicesDep,
    who: OdfStaff,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(adjustment_id: str) -> tuple[int, ProductPublic]:
        command = AdjustStock(product_id, body.delta, body.reason)
        found = await products.adjust_stock(services, who, command, adjustment_id)
        return 200, ProductPublic.of(*found, who)

    return await keyed(services, who, f"stock:{product_id}", key, body, run)


@router.post(
    "/{product_id}/withdrawal",
    response_model=ProductPublic,
    responses=WRITE,
    summary="The ODF takes the product off sale: no new orders; reservations are honoured",
)
async def withdraw(
    product_id: ProductId,
    body: ProductWithdrawal,
    services: ServicesDep,
    who: OdfStaff,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, ProductPublic]:
        command = WithdrawProduct(product_id, body.reason)
        product = await products.withdraw(services, who, command)
        return 200, ProductPublic.of(product, await services.stock.level(product.id), who)

    return await keyed(services, who, f"withdraw:{product_id}", key, body, run)

"""Product sheets [¶94]: the group's ODF lists many of its members' products at once."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from megp_common.web import IdempotencyKey
from trade.entrypoints.api.deps import OdfStaff, ServicesDep, keyed
from trade.entrypoints.api.errors import WRITE
from trade.entrypoints.api.schemas.products import ProductPublic, ProductSheet
from trade.service_layer import product_sheets

router = APIRouter(prefix="/product-sheets", tags=["products"])


@router.post(
    "",
    status_code=201,
    response_model=list[ProductPublic],
    responses=WRITE,
    summary="The group's ODF lists a sheet of its members' products at once, all or none "
    "[¶94]: a sheet with any line the rules refuse is refused whole, each such line named",
)
async def list_sheet(
    body: ProductSheet, services: ServicesDep, who: OdfStaff, key: IdempotencyKey
) -> JSONResponse:
    async def run(sheet_id: str) -> tuple[int, list[ProductPublic]]:
        listed = await product_sheets.list_sheet(
            services, who, body.group_id, body.commands(), sheet_id
        )
        return 201, [ProductPublic.of(product, level, who) for product, level in listed]

    return await keyed(services, who, "product-sheets", key, body, run)

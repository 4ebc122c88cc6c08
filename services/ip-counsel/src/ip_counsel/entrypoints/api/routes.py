"""Every route of the ip-counsel service, under /v1 (added here, and only here)."""

from __future__ import annotations

from fastapi import APIRouter

from ip_counsel.entrypoints.api.routers import (
    counsellors,
    disclosures,
    filings,
    licences,
    portfolio,
    reviews,
)

router = APIRouter(prefix="/v1")
for module in (disclosures, reviews, counsellors, filings, licences, portfolio):
    router.include_router(module.router)

"""The Innovation Committee's review of a disclosure [¶57]."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ip_counsel.entrypoints.api.deps import DisclosureId, ReviewId, ServicesDep, keyed
from ip_counsel.entrypoints.api.errors import READ, WRITE
from ip_counsel.entrypoints.api.schemas.reviews import (
    ConflictDeclaration,
    OutcomeCreate,
    ReviewOpen,
    ReviewPublic,
    ScoreCreate,
)
from ip_counsel.service_layer import queries, reviews
from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import IdempotencyKey

router = APIRouter(prefix="/disclosures/{disclosure_id}/reviews", tags=["reviews"])


@router.post(
    "",
    status_code=201,
    response_model=ReviewPublic,
    responses=WRITE,
    summary="An inventor submits the latest revision to the group's Innovation Committee",
)
async def open_review(
    disclosure_id: DisclosureId,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
    body: ReviewOpen | None = None,
) -> JSONResponse:
    async def run(review_id: str) -> tuple[int, ReviewPublic]:
        d, review = await reviews.open_review(services, who, disclosure_id, review_id)
        return 201, ReviewPublic.of(d.id, review)

    return await keyed(services, who, f"reviews:{disclosure_id}", key, body, run)


@router.get(
    "/{review_id}",
    response_model=ReviewPublic,
    responses=READ,
    summary="A review's scores and outcome; its comments only for the circle of ¶3",
)
async def get_review(
    disclosure_id: DisclosureId, review_id: ReviewId, services: ServicesDep, who: CurrentPrincipal
) -> ReviewPublic:
    d, review, comments = await queries.review(services, who, disclosure_id, review_id)
    return ReviewPublic.of(d.id, review, comments)


@router.post(
    "/{review_id}/conflicts",
    response_model=ReviewPublic,
    responses=WRITE,
    summary="A committee member declares their own conflict of interest: they do not review",
)
async def declare_conflict(
    disclosure_id: DisclosureId,
    review_id: ReviewId,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
    body: ConflictDeclaration | None = None,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, ReviewPublic]:
        d, review = await reviews.declare_conflict(services, who, disclosure_id, review_id)
        return 200, ReviewPublic.of(d.id, review)

    return await keyed(services, who, f"conflicts:{review_id}", key, body, run)


@router.post(
    "/{review_id}/scores",
    response_model=ReviewPublic,
    responses=WRITE,
    summary="A reviewer scores the five criteria of ¶57 (1 to 5) and comments (sealed)",
)
async def score(
    disclosure_id: DisclosureId,
    review_id: ReviewId,
    body: ScoreCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, ReviewPublic]:
        d, review, _given = await reviews.score(
            services, who, disclosure_id, review_id, body.command()
        )
        return 200, ReviewPublic.of(d.id, review)

    return await keyed(services, who, f"scores:{review_id}", key, body, run)


@router.post(
    "/{review_id}/outcome",
    response_model=ReviewPublic,
    responses=WRITE,
    summary="The committee recommends a route or asks for a revision; the inventors decide",
)
async def conclude(
    disclosure_id: DisclosureId,
    review_id: ReviewId,
    body: OutcomeCreate,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, ReviewPublic]:
        d, review = await reviews.conclude(
            services, who, disclosure_id, review_id, body.recommendation
        )
        return 200, ReviewPublic.of(d.id, review)

    return await keyed(services, who, f"outcome:{review_id}", key, body, run)

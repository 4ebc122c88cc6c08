"""Corrections: a grant posted by mistake is undone by a reversing entry (a programme
supervisor's decision); the original stays in the journal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from funds.domain import corrections
from funds.domain.ledger import Entry
from funds.entrypoints.api.deps import ServicesDep, check_fund_to_change, money_post
from funds.entrypoints.api.errors import WRITE
from funds.entrypoints.api.schemas.funds import ID_PATTERN, EntryPublic
from megp_common.auth import Principal, Role
from megp_common.auth.fastapi import require_roles
from megp_common.errors import NotFound
from megp_common.web import IdempotencyKey

router = APIRouter(prefix="/funds/{fund_id}", tags=["money"], responses=WRITE)
Supervisor = Annotated[Principal, Depends(require_roles(Role.PROGRAMME_SUPERVISOR))]


class ReversalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500, examples=["amount typed twice"])


@router.post(
    "/entries/{entry_id}/reversal",
    status_code=201,
    response_model=EntryPublic,
    summary="Undo a grant posted by mistake with its mirror entry",
)
async def reverse(
    fund_id: Annotated[str, Path(pattern=ID_PATTERN)],
    entry_id: Annotated[str, Path(pattern=ID_PATTERN)],
    body: ReversalCreate,
    services: ServicesDep,
    who: Supervisor,
    key: IdempotencyKey,
) -> JSONResponse:
    await check_fund_to_change(services, fund_id, who)
    found: list[Entry] = []

    async def load() -> None:
        fund = await services.funds.get(fund_id)
        original = fund.pending_entry(entry_id) or await services.journal.get(entry_id)
        if original is None or original.fund_id != fund_id:
            raise NotFound(f"fund {fund_id} has no entry {entry_id}")
        found.append(original)

    now, policy = services.clock.now(), services.policy
    return await money_post(
        services,
        who,
        fund_id,
        "reversal",
        key,
        body.model_dump(mode="json"),
        lambda f, eid, k: corrections.reverse_grant(f, eid, k, found[0], body.reason, now, policy),
        before=load,
    )

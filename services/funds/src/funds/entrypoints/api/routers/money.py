"""POST routes that move money. Each needs an Idempotency-Key and answers with the journal entry
it posted (201); a retry with the same key and body replays that answer, posting nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from funds.domain import deposits, inflows, outflows, repayments
from funds.entrypoints.api.deps import ServicesDep, check_fund_to_change, money_post
from funds.entrypoints.api.errors import WRITE
from funds.entrypoints.api.schemas.funds import (
    ID_PATTERN,
    CompetitionSpendCreate,
    ContributionCreate,
    DepositLine,
    DepositSheetCreate,
    EntryPublic,
    ReplenishmentCreate,
    WithdrawalCreate,
)
from megp_common.auth import Principal, Role
from megp_common.auth.fastapi import require_roles
from megp_common.errors import Forbidden
from megp_common.web import IdempotencyKey

router = APIRouter(prefix="/funds/{fund_id}", tags=["money"], responses=WRITE)

FundId = Annotated[str, Path(pattern=ID_PATTERN, description="The project group's id")]
Key = IdempotencyKey
Staff = Annotated[Principal, Depends(require_roles(Role.ODF_STAFF, Role.PROGRAMME_SUPERVISOR))]
OdfStaff = Annotated[Principal, Depends(require_roles(Role.ODF_STAFF))]
BoardRep = Annotated[Principal, Depends(require_roles(Role.BOARD_REPRESENTATIVE))]
Member = Annotated[Principal, Depends(require_roles(Role.PARTICIPANT, Role.BOARD_REPRESENTATIVE))]
POSTED: dict[str, object] = {"status_code": 201, "response_model": EntryPublic}


@router.post(
    "/contributions",
    summary="Register a grant or a temporary contribution",
    description="ODF staff or a programme supervisor register a donor's gift that came by no "
    "portal. An association's portal gives through the donors service (its community's groups "
    "only, receipted, matched, refundable), never here: a donor_portal token is a 403.",
    **POSTED,  # type: ignore[arg-type]
)
async def contribute(
    fund_id: FundId, body: ContributionCreate, services: ServicesDep, who: Staff, key: Key
) -> JSONResponse:
    await check_fund_to_change(services, fund_id, who)
    gift = inflows.Contribution(
        donor=body.donor,
        source=body.source,
        amount=body.amount,
        currency=body.currency,
        exchange_rate=body.exchange_rate,
        return_due_on=body.return_due_on,
    )
    now, policy = services.clock.now(), services.policy
    return await money_post(
        services,
        who,
        fund_id,
        "contribution",
        key,
        body.model_dump(mode="json"),
        lambda f, eid, k: inflows.record_contribution(f, eid, k, gift, now, policy),
    )


@router.post(
    "/temporary-contributions/{inflow_entry_id}/return",
    summary="Give a temporary contribution back (half from each sub-fund)",
    **POSTED,  # type: ignore[arg-type]
)
async def give_back(
    fund_id: FundId, inflow_entry_id: str, services: ServicesDep, who: Staff, key: Key
) -> JSONResponse:
    await check_fund_to_change(services, fund_id, who)
    now = services.clock.now()
    return await money_post(
        services,
        who,
        fund_id,
        "temporary-return",
        key,
        {"inflow": inflow_entry_id},
        lambda f, eid, k: inflows.return_temporary(f, eid, k, inflow_entry_id, now),
    )


async def _deposit(
    fund_id: str, lines: list[DepositLine], services: ServicesDep, who: Principal, key: str
) -> JSONResponse:
    await check_fund_to_change(services, fund_id, who)
    items = [deposits.Deposit(d.participant_id, d.amount, d.obligation_id) for d in lines]
    now, policy = services.clock.now(), services.policy
    body = [d.model_dump(mode="json") for d in lines]
    return await money_post(
        services,
        who,
        fund_id,
        "deposit",
        key,
        body,
        lambda f, eid, k: deposits.record_deposits(f, eid, k, items, now, policy),
    )


@router.post("/deposits", summary="Record one member's deposit [¶71]", **POSTED)  # type: ignore[arg-type]
async def deposit(
    fund_id: FundId, body: DepositLine, services: ServicesDep, who: OdfStaff, key: Key
) -> JSONResponse:
    return await _deposit(fund_id, [body], services, who, key)


@router.post(
    "/deposit-sheets",
    summary="Record a group's monthly deposit sheet as one entry with a line per member",
    **POSTED,  # type: ignore[arg-type]
)
async def deposit_sheet(
    fund_id: FundId, body: DepositSheetCreate, services: ServicesDep, who: OdfStaff, key: Key
) -> JSONResponse:
    return await _deposit(fund_id, body.deposits, services, who, key)


@router.post(
    "/competition-spends",
    summary="Approve Competition Sub-Fund spending (board representatives only) [¶55, ¶72]",
    **POSTED,  # type: ignore[arg-type]
)
async def spend(
    fund_id: FundId,
    body: CompetitionSpendCreate,
    services: ServicesDep,
    who: BoardRep,
    key: Key,
) -> JSONResponse:
    await check_fund_to_change(services, fund_id, who)
    request = outflows.SpendRequest(
        body.purpose,
        body.amount,
        body.payee,
        body.description,
        who.participant_id,
        frozenset(r.value for r in who.roles),
    )
    now = services.clock.now()
    return await money_post(
        services,
        who,
        fund_id,
        "competition-spend",
        key,
        body.model_dump(mode="json"),
        lambda f, eid, k: outflows.approve_competition_spend(f, eid, k, request, now),
    )


@router.post(
    "/members/{participant_id}/withdrawals",
    summary="A member draws on their Development Sub-Fund share [¶73-¶74]",
    **POSTED,  # type: ignore[arg-type]
)
async def withdraw(
    fund_id: FundId,
    participant_id: Annotated[str, Path(pattern=ID_PATTERN)],
    body: WithdrawalCreate,
    services: ServicesDep,
    who: Member,
    key: Key,
) -> JSONResponse:
    if who.participant_id != participant_id:
        raise Forbidden("each member decides on their own share only [¶74]")
    await check_fund_to_change(services, fund_id, who)
    request = outflows.WithdrawalRequest(
        participant_id,
        who.participant_id,
        body.purpose,
        body.amount,
        await services.participants.birth_date(participant_id),
    )
    now, policy = services.clock.now(), services.policy
    return await money_post(
        services,
        who,
        fund_id,
        "development-withdrawal",
        key,
        body.model_dump(mode="json"),
        lambda f, eid, k: outflows.withdraw_development(f, eid, k, request, now, policy),
    )


@router.post(
    "/replenishments",
    summary="A borrower pays back what the fund paid for them [¶78]",
    **POSTED,  # type: ignore[arg-type]
)
async def replenish(
    fund_id: FundId,
    body: ReplenishmentCreate,
    services: ServicesDep,
    who: OdfStaff,
    key: Key,
) -> JSONResponse:
    await check_fund_to_change(services, fund_id, who)
    now, policy, borrower = services.clock.now(), services.policy, body.borrower_id
    return await money_post(
        services,
        who,
        fund_id,
        "replenishment",
        key,
        body.model_dump(mode="json"),
        lambda f, eid, k: repayments.replenish(f, eid, k, borrower, body.amount, now, policy),
    )

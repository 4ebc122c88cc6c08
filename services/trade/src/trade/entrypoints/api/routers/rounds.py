"""Collective purchasing rounds [¶30, ¶69]: ODF staff open a round and close it (or the
scheduler does at its date), members state or withdraw their demand, the staff record the
suppliers' quotes, the ODF chooses one [¶55], each member pays their share or the deciding ODF
asks for financing, and readers of the round's state see its allocations and what it saved."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import IdempotencyKey
from trade.domain.commands import ChooseQuote, PayShare, StateDemand, WithdrawDemand
from trade.domain.purchasing import RoundStatus
from trade.entrypoints.api.deps import OdfStaff, ServicesDep, keyed
from trade.entrypoints.api.errors import READ, WRITE
from trade.entrypoints.api.schemas.rounds import (
    ChoiceIn,
    DemandIn,
    QuoteIn,
    RoundCreate,
    RoundPublic,
    SavingsPublic,
    SharePayment,
)
from trade.service_layer import queries, rounds

router = APIRouter(prefix="/purchasing-rounds", tags=["purchasing"])
RoundId = Annotated[str, Path(min_length=1, max_length=100)]
ParticipantId = Annotated[str, Path(min_length=1, max_length=100)]
Filter = Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_:-]+$")]


@router.post(
    "",
    status_code=201,
    response_model=RoundPublic,
    responses=WRITE,
    summary="ODF staff open a collective purchasing round for their groups' members [¶69]",
)
async def open_round(
    body: RoundCreate, services: ServicesDep, who: OdfStaff, key: IdempotencyKey
) -> JSONResponse:
    async def run(round_id: str) -> tuple[int, RoundPublic]:
        return 201, RoundPublic.of(await rounds.open_round(services, who, body.command(), round_id))

    return await keyed(services, who, "rounds", key, body, run)


@router.get(
    "",
    response_model=list[RoundPublic],
    responses=READ,
    summary="Rounds of a group or a state (the caller's states by default), latest closing first",
)
async def list_rounds(
    services: ServicesDep,
    who: CurrentPrincipal,
    group_id: Filter = None,
    state: Annotated[str | None, Query(pattern=r"^(0[1-9]|[12][0-9]|3[0-2])$")] = None,
    status: RoundStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[RoundPublic]:
    found = await rounds.list_rounds(
        services, who, group_id=group_id, state=state, status=status, limit=limit
    )
    return [RoundPublic.of(r) for r in found]


@router.get(
    "/{round_id}",
    response_model=RoundPublic,
    responses=READ,
    summary="A round: its demands, quotes, and every member's allocation and cost share",
)
async def get_round(round_id: RoundId, services: ServicesDep, who: CurrentPrincipal) -> RoundPublic:
    return RoundPublic.of(await queries.purchasing_round(services, who, round_id))


@router.get(
    "/{round_id}/savings",
    response_model=SavingsPublic,
    responses=READ | WRITE,
    summary="What the round saved each member against buying alone (409 before a choice)",
)
async def get_savings(
    round_id: RoundId, services: ServicesDep, who: CurrentPrincipal
) -> SavingsPublic:
    return SavingsPublic.of(await queries.round_savings(services, who, round_id))


@router.post(
    "/{round_id}/demands",
    response_model=RoundPublic,
    responses=WRITE,
    summary="A member (or their ODF's staff) states or revises their demand until the round closes",
)
async def state_demand(
    round_id: RoundId,
    body: DemandIn,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, RoundPublic]:
        command = StateDemand(round_id, body.participant_id, body.group_id, body.quantity)
        return 200, RoundPublic.of(await rounds.state_demand(services, who, command))

    return await keyed(services, who, f"demand:{round_id}", key, body, run)


@router.post(
    "/{round_id}/closing",
    response_model=RoundPublic,
    responses=WRITE,
    summary="ODF staff close the round from its closing date on: the pooled quantity is fixed",
)
async def close_round(
    round_id: RoundId, services: ServicesDep, who: OdfStaff, key: IdempotencyKey
) -> JSONResponse:
    async def run(_: str) -> tuple[int, RoundPublic]:
        return 200, RoundPublic.of(await rounds.close_round(services, who, round_id))

    return await keyed(services, who, f"close:{round_id}", key, {}, run)


@router.post(
    "/{round_id}/quotes",
    status_code=201,
    response_model=RoundPublic,
    responses=WRITE,
    summary="ODF staff record a supplier's quote with its volume tiers [¶54]",
)
async def record_quote(
    round_id: RoundId,
    body: QuoteIn,
    services: ServicesDep,
    who: OdfStaff,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(quote_id: str) -> tuple[int, RoundPublic]:
        found = await rounds.record_quote(services, who, body.command(round_id), quote_id)
        return 201, RoundPublic.of(found)

    return await keyed(services, who, f"quote:{round_id}", key, body, run)


@router.post(
    "/{round_id}/choice",
    response_model=RoundPublic,
    responses=WRITE,
    summary="The ODF (its board or its staff, per the setting) chooses a quote [¶55]",
)
async def choose_quote(
    round_id: RoundId,
    body: ChoiceIn,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, RoundPublic]:
        command = ChooseQuote(round_id, body.quote_id, body.group_id)
        return 200, RoundPublic.of(await rounds.choose_quote(services, who, command))

    return await keyed(services, who, f"choice:{round_id}", key, body, run)


@router.post(
    "/{round_id}/demands/{participant_id}/withdrawal",
    response_model=RoundPublic,
    responses=WRITE,
    summary="A member (or their ODF's staff) withdraws their demand before the round closes",
)
async def withdraw_demand(
    round_id: RoundId,
    participant_id: ParticipantId,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, RoundPublic]:
        command = WithdrawDemand(round_id, participant_id)
        return 200, RoundPublic.of(await rounds.withdraw_demand(services, who, command))

    return await keyed(services, who, f"withdraw:{round_id}:{participant_id}", key, {}, run)


@router.post(
    "/{round_id}/allocations/{participant_id}/payment",
    response_model=RoundPublic,
    responses=WRITE,
    summary="A member (or their ODF's staff) pays the member's exact cost share",
)
async def pay_share(
    round_id: RoundId,
    participant_id: ParticipantId,
    body: SharePayment,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, RoundPublic]:
        command = PayShare(round_id, participant_id, body.amount)
        return 200, RoundPublic.of(await rounds.pay_share(services, who, command))

    return await keyed(services, who, f"share:{round_id}:{participant_id}", key, body, run)


@router.post(
    "/{round_id}/financing",
    response_model=RoundPublic,
    responses=WRITE,
    summary="The deciding ODF's staff ask for the unpaid shares to be financed (credit decides)",
)
async def request_financing(
    round_id: RoundId, services: ServicesDep, who: OdfStaff, key: IdempotencyKey
) -> JSONResponse:
    async def run(financing_id: str) -> tuple[int, RoundPublic]:
        found = await rounds.request_financing(services, who, round_id, financing_id)
        return 200, RoundPublic.of(found)

    return await keyed(services, who, f"financing:{round_id}", key, {}, run)

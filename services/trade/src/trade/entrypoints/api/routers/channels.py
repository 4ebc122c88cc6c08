"""Sales channels [¶53, ¶54, ¶96, ¶97]: registered with their own terms, read by anyone
signed in (the producer share of each is public [¶97-¶98]), closed to new orders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from megp_common.auth.fastapi import CurrentPrincipal
from megp_common.web import IdempotencyKey
from trade.domain.channel import ChannelKind
from trade.domain.commands import CloseChannel
from trade.entrypoints.api.deps import ServicesDep, keyed
from trade.entrypoints.api.errors import READ, WRITE
from trade.entrypoints.api.schemas.channels import ChannelClosing, ChannelCreate, ChannelPublic
from trade.service_layer import channels

router = APIRouter(prefix="/channels", tags=["channels"])
ChannelId = Annotated[str, Path(min_length=1, max_length=100)]


@router.post(
    "",
    status_code=201,
    response_model=ChannelPublic,
    responses=WRITE,
    summary="Register a trade center (its ODF's staff), an alliance or an association abroad "
    "(a programme supervisor of its states), with its terms",
)
async def register(
    body: ChannelCreate, services: ServicesDep, who: CurrentPrincipal, key: IdempotencyKey
) -> JSONResponse:
    async def run(channel_id: str) -> tuple[int, ChannelPublic]:
        found = await channels.register(services, who, body.command(), channel_id)
        return 201, ChannelPublic.of(found, who)

    return await keyed(services, who, "channels", key, body, run)


@router.get(
    "",
    response_model=list[ChannelPublic],
    responses=READ,
    summary="The channels, the marketplace first among them, with their terms",
)
async def list_channels(
    services: ServicesDep,
    who: CurrentPrincipal,
    kind: ChannelKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ChannelPublic]:
    found = await channels.channels(services, kind.value if kind else None, limit)
    return [ChannelPublic.of(c, who) for c in found]


@router.get(
    "/{channel_id}",
    response_model=ChannelPublic,
    responses=READ,
    summary="A channel, its terms and the producer share of a sale through it",
)
async def get_channel(
    channel_id: ChannelId, services: ServicesDep, who: CurrentPrincipal
) -> ChannelPublic:
    return ChannelPublic.of(await channels.channel(services, channel_id), who)


@router.post(
    "/{channel_id}/closing",
    response_model=ChannelPublic,
    responses=WRITE,
    summary="Close a channel to new orders (who may register it); placed orders go on",
)
async def close(
    channel_id: ChannelId,
    body: ChannelClosing,
    services: ServicesDep,
    who: CurrentPrincipal,
    key: IdempotencyKey,
) -> JSONResponse:
    async def run(_: str) -> tuple[int, ChannelPublic]:
        command = CloseChannel(channel_id, body.reason)
        return 200, ChannelPublic.of(await channels.close(services, who, command), who)

    return await keyed(services, who, f"channel-close:{channel_id}", key, body, run)

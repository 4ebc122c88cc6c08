"""Use cases on sales channels [¶53, ¶54, ¶96, ¶97]: register, close, and the channel an
order goes through (who may buy there, in which currency, from which states).

Who registers which kind (decisions where the rules are silent):
- a trade center: ODF staff of one of its owning ODFs, acting for the ODF alone (no donor's,
  lender's or committee member's hat [¶55]; a token naming an organization names one of the
  owners), whose scope covers the center's state and every owner's state;
- an alliance or an association abroad: a programme supervisor whose scope covers every state
  the channel names (a national alliance, with none, needs a national supervisor).
The marketplace is not registered: it is seeded from the settings the first time it is used.
An association abroad's own channel is not registered by hand either: when donors announces an
association (`donors.AssociationRegistered`), trade opens its `association_abroad` channel
(`open_for_association`), once, with a deterministic id.
"""

from __future__ import annotations

import logging

from megp_common import decisions
from megp_common.auth import Principal, Role, check_state
from megp_common.contracts import donors as dnr
from megp_common.errors import Conflict, NotFound
from trade.domain.channel import (
    MARKETPLACE,
    Channel,
    ChannelKind,
    association_channel_id,
    fee_terms,
)
from trade.domain.commands import CloseChannel, RegisterChannel
from trade.domain.errors import NotAuthorized, TradeRuleViolation
from trade.service_layer.container import Services

log = logging.getLogger(__name__)


async def channel(services: Services, channel_id: str, *, for_order: bool = False) -> Channel:
    """The channel, or a 404; the marketplace exists from its first use on. `for_order`: an
    order's placing, which reads the channel only and takes it as this process knows it
    (`ChannelRepository.for_order`: at most CHANNEL_MEMORY_S behind another process's
    close)."""
    repo = services.channels
    found = await (repo.for_order(channel_id) if for_order else repo.find(channel_id))
    if found is not None:
        return found
    if channel_id != MARKETPLACE:
        raise NotFound(f"no sales channel has the id {channel_id}")
    seeded = Channel.marketplace(
        services.terms, list(services.settings.marketplace_currencies), services.now()
    )
    try:
        await services.channels.add(seeded)
    except Conflict:  # another request seeded it first
        return await services.channels.get(channel_id)
    return seeded


async def channels(services: Services, kind: str | None, limit: int) -> list[Channel]:
    await channel(services, MARKETPLACE)
    query = {"kind": kind} if kind else {}
    return await services.channels.find_many(query, sort=[("_id", 1)], limit=limit, scalar_eq=True)


async def _may_register(services: Services, who: Principal, command: RegisterChannel) -> None:
    kind = ChannelKind(command.kind)
    if kind is ChannelKind.TRADE_CENTER:
        if not who.has_role(Role.ODF_STAFF):
            raise NotAuthorized("a trade center is registered by the staff of an owning ODF")
        decisions.staff_acting_for_group(who.role_names())
        if who.organization is not None and who.organization not in command.odf_ids:
            raise NotAuthorized(
                f"the caller acts for {who.organization}, which does not own this trade center",
                rule="¶97",
            )
    elif not who.has_role(Role.PROGRAMME_SUPERVISOR):
        raise NotAuthorized(f"an {kind.value} is registered by a programme supervisor")
    for state in command.states or (None,):
        if kind is ChannelKind.TRADE_CENTER and state is None:
            continue  # abroad: the owners' states below
        check_state(who, state)
    for odf_id in command.odf_ids:
        groups = await services.groups.find_many({"odf_id": odf_id}, limit=1, scalar_eq=True)
        if not groups or groups[0].state is None:
            raise TradeRuleViolation(
                f"{odf_id} is not the Development Organization of a group trade knows",
                rule="¶97",
            )
        check_state(who, groups[0].state)


async def register(
    services: Services, who: Principal, command: RegisterChannel, channel_id: str
) -> Channel:
    existing = await services.channels.find(channel_id)
    if existing is not None:
        return existing  # a retry after it was stored
    await _may_register(services, who, command)
    registered = Channel.register(
        id=channel_id,
        kind=ChannelKind(command.kind),
        name=command.name,
        terms=fee_terms(command.fee_rate, command.logistics_rate),
        currencies=list(command.currencies),
        country=command.country,
        states=list(command.states),
        odf_ids=list(command.odf_ids),
        buyer_organization=command.buyer_organization,
        by=who.subject,
        now=services.now(),
    )
    await services.channels.add(registered)
    return registered


async def open_for_association(services: Services, e: dnr.AssociationRegistered) -> Channel | None:
    """The association's channel for buying its community's products abroad [¶53]: an
    `association_abroad` channel selling the products of its state of origin to its portal
    only (`buyer_organization` = the association), in the settings' currencies and at the
    settings' fee and logistics rates. Once per association (a redelivery finds it); an
    association trade's rules refuse (one in Mexico) gets none, and the refusal is logged."""
    channel_id = association_channel_id(e.association_id)
    existing = await services.channels.find(channel_id)
    if existing is not None:
        return existing
    settings = services.settings
    try:
        opened = Channel.register(
            id=channel_id,
            kind=ChannelKind.ASSOCIATION_ABROAD,
            name=f"{e.name} ({e.city})",
            terms=fee_terms(settings.association_fee_rate, settings.association_logistics_rate),
            currencies=list(settings.association_currencies),
            country=e.country,
            states=[e.origin_state_code],
            odf_ids=[],
            buyer_organization=e.association_id,
            by=e.registered_by,
            now=services.now(),
        )
    except TradeRuleViolation as exc:
        log.warning("association %s gets no channel: %s", e.association_id, exc)
        return None
    try:
        await services.channels.add(opened)
    except Conflict:  # another consumer opened it first
        return await services.channels.get(channel_id)
    return opened


async def close(services: Services, who: Principal, command: CloseChannel) -> Channel:
    """Closed by whoever may register its kind; orders already placed go on."""
    found = await channel(services, command.channel_id)
    if found.is_marketplace:
        raise TradeRuleViolation("the marketplace is the programme's own store; it stays open")
    await _may_register(
        services,
        who,
        RegisterChannel(
            kind=found.kind.value,
            name=found.name,
            fee_rate=found.fee_rate,
            logistics_rate=found.logistics_rate,
            states=tuple(found.states),
            odf_ids=tuple(found.odf_ids),
        ),
    )
    if found.close(command.reason, services.now()):
        await services.channels.save(found)
    return found


async def admit(
    services: Services, who: Principal, found: Channel, currency: str, states: list[str]
) -> None:
    """Refuse, before anything is reserved, a buyer this channel does not sell to. A donor
    portal's token (whatever else it carries) buys through its own association's channel only
    [¶53]: not on the marketplace, at a trade center, through an alliance or another
    association's channel (issue 16: a portal orders its communities' products, nothing
    else)."""
    if who.has_role(Role.DONOR_PORTAL) and not (
        found.kind is ChannelKind.ASSOCIATION_ABROAD
        and who.organization is not None
        and found.buyer_organization == who.organization
    ):
        raise NotAuthorized(
            "a donor portal orders through its own association's channel only (an "
            "association_abroad channel whose buyer_organization is the token's organization)",
            rule="¶53",
        )
    found.admit(who.organization, currency, states)
    if found.state_bound:
        for state in states:
            check_state(who, state)

"""Use cases on collective purchasing rounds [¶30, ¶69]: ODF staff open a round for their
groups' members, members (or the staff for them) state their demand until the closing date,
the scheduler (or the staff) close it at its date, the staff record the suppliers' quotes, and
the ODF chooses one: its board or its staff, as the `quote_decider` setting says, never a
supplier, a buyer, a committee member, a donor or a lender [¶55]. Then each member pays their
share, or the deciding ODF asks for the unpaid shares to be financed (an event credit acts on).
Every use case checks the caller's state scope on the round; the rules themselves are
`trade.domain.purchasing`'s."""

from __future__ import annotations

from datetime import datetime

import structlog

from megp_common.auth import Principal, Role, check_state
from megp_common.errors import Conflict, NotFound
from megp_common.mongo import Shard
from megp_common.refusals import Missing
from trade.domain.commands import (
    ChooseQuote,
    OpenRound,
    PayShare,
    RecordQuote,
    StateDemand,
    WithdrawDemand,
)
from trade.domain.errors import NotAuthorized, TradeRuleViolation
from trade.domain.group import GroupRecord
from trade.domain.purchasing import (
    RULE,
    Decider,
    PriceTier,
    PurchasingRound,
    QuoteDecider,
    RoundStatus,
    SupplierQuote,
    quote_decider,
)
from trade.service_layer.container import Services
from trade.service_layer.products import act_for_odf, group_in_scope

log = structlog.get_logger(__name__)


async def round_in_scope(
    services: Services, who: Principal, round_id: str, *, view: bool = False
) -> PurchasingRound:
    """The round, if the caller's scope covers its state. `view`: a shared read-only copy
    (`AggregateRepository.view`), for a change the round's writer applies to its own read."""
    read = services.rounds.view if view else services.rounds.find
    found = await read(round_id, Shard.in_scope(who.states))
    if found is None:
        raise NotFound(f"no purchasing round has the id {round_id}")
    check_state(who, found.state)
    return found


async def _groups(services: Services, rnd: PurchasingRound) -> list[GroupRecord]:
    return [await services.groups.get(g, Shard(rnd.state)) for g in rnd.group_ids]


async def _participating_group(
    services: Services, rnd: PurchasingRound, group_id: str
) -> GroupRecord:
    """The group, as a shared view (its members and ODF are only looked at)."""
    if group_id not in rnd.group_ids:
        raise TradeRuleViolation(
            f"group {group_id} does not take part in purchasing round {rnd.id}", rule=RULE
        )
    group = await services.groups.view(group_id, Shard(rnd.state))
    if group is None:
        raise NotFound(f"GroupRecord {group_id} does not exist")
    return group


async def _staff_of_round(services: Services, who: Principal, rnd: PurchasingRound) -> None:
    """The caller is the staff of one of the round's ODFs, acting for it alone [¶55, ¶94]."""
    groups = await _groups(services, rnd)
    check_state(who, rnd.state)
    if who.organization is None:
        act_for_odf(who, groups[0])
        return
    mine = [g for g in groups if g.odf_id == who.organization]
    if not mine:
        raise NotAuthorized(
            f"organization {who.organization} does not take part in purchasing round {rnd.id}",
            rule=RULE,
        )
    act_for_odf(who, mine[0])


async def open_round(
    services: Services, who: Principal, command: OpenRound, round_id: str
) -> PurchasingRound:
    existing = await services.rounds.find(round_id, Shard.in_scope(who.states))
    if existing is not None:
        return existing  # a retry after the round was stored
    if len(set(command.group_ids)) != len(command.group_ids):
        raise TradeRuleViolation("a group takes part in a round once", rule=RULE)
    groups = [await group_in_scope(services, who, g) for g in command.group_ids]
    states = {g.state for g in groups}
    if len(states) != 1:
        raise TradeRuleViolation(
            "a round's groups are in one state (a round is state-bound, like the channel)",
            rule=RULE,
        )
    for group in groups:
        if not group.odf_id:
            raise TradeRuleViolation(f"group {group.id} has no Development Organization yet")
    if who.organization is not None and who.organization not in {g.odf_id for g in groups}:
        raise NotAuthorized(
            "only the staff of a participating ODF open its members' purchasing round", rule=RULE
        )
    act_for_odf(who, next(g for g in groups if who.organization in (None, g.odf_id)))
    odf_ids = list(dict.fromkeys(g.odf_id for g in groups if g.odf_id))
    rnd = PurchasingRound.open(
        round_id=round_id,
        odf_ids=odf_ids,
        group_ids=list(command.group_ids),
        item=command.item,
        kind=command.kind,
        unit=command.unit,
        opened_at=services.now(),
        closes_at=command.closes_at,
        state=groups[0].state,
    )
    try:
        await services.rounds.add(rnd)
    except Conflict:  # a concurrent retry stored it first
        return await services.rounds.get(round_id, Shard(rnd.state))
    return rnd


async def state_demand(services: Services, who: Principal, command: StateDemand) -> PurchasingRound:
    """The member themself, or the staff of their group's ODF, states or revises their demand.
    The checks read shared views of the round and the group; the demand is a job on the round's
    line, applied with the others that arrive together to one read and committed in one write."""
    rnd = await round_in_scope(services, who, command.round_id, view=True)
    group = await _participating_group(services, rnd, command.group_id)
    if not group.is_member(command.participant_id):
        raise TradeRuleViolation(
            f"participant {command.participant_id} is not an active member of group {group.id}",
            rule=RULE,
        )
    if command.participant_id not in {who.participant_id, who.subject}:
        # only the member themself, or their ODF's staff, speak for the member
        if not who.has_role(Role.ODF_STAFF):
            raise NotAuthorized(
                f"only participant {command.participant_id} or their ODF's staff state their "
                "demand",
                rule=RULE,
            )
        act_for_odf(who, group)
    odf_id = group.odf_id
    assert odf_id is not None  # a participating group has its ODF

    def demand(current: PurchasingRound) -> tuple[PurchasingRound, bool]:
        current.state_demand(
            command.participant_id, odf_id, command.quantity, services.now(), group.id
        )
        return current, True

    changed: PurchasingRound = await services.round_writer.submit(rnd.id, demand)
    return changed


async def _member_group(
    services: Services, rnd: PurchasingRound, participant_id: str, group_id: str | None, odf_id: str
) -> GroupRecord:
    """The participating group a member's demand or allocation came through (rounds stored
    before the group was kept: the round's group of that ODF that lists the member)."""
    if group_id is not None:
        return await services.groups.get(group_id, Shard(rnd.state))
    groups = [g for g in await _groups(services, rnd) if g.odf_id == odf_id]
    return next((g for g in groups if g.is_member(participant_id)), groups[0])


def _speak_for(who: Principal, participant_id: str, group: GroupRecord, what: str) -> str:
    """The member themself, or the staff of their group's ODF acting for it alone; who acts."""
    if participant_id in {who.participant_id, who.subject}:
        return participant_id
    if not who.has_role(Role.ODF_STAFF):
        raise NotAuthorized(
            f"only participant {participant_id} or their ODF's staff {what}", rule=RULE
        )
    act_for_odf(who, group)
    return who.subject


async def withdraw_demand(
    services: Services, who: Principal, command: WithdrawDemand
) -> PurchasingRound:
    """The member (or their ODF's staff) takes their demand out before the round closes."""
    rnd = await round_in_scope(services, who, command.round_id)
    stated = rnd.demands.get(command.participant_id)
    if stated is None:
        raise NotFound(f"participant {command.participant_id} stated no demand in round {rnd.id}")
    group = await _member_group(
        services, rnd, command.participant_id, stated.group_id, stated.odf_id
    )
    _speak_for(who, command.participant_id, group, "withdraw their demand")

    def withdraw(current: PurchasingRound) -> tuple[PurchasingRound, bool]:
        current.withdraw_demand(command.participant_id, services.now())
        return current, True

    changed: PurchasingRound = await services.round_writer.submit(rnd.id, withdraw, rnd)
    return changed


async def close_round(services: Services, who: Principal, round_id: str) -> PurchasingRound:
    """The staff close the round from its closing date on. One the scheduler closed already
    is answered as it is (closing is what was asked; nothing is announced twice)."""
    rnd = await round_in_scope(services, who, round_id)
    await _staff_of_round(services, who, rnd)

    def close(current: PurchasingRound) -> tuple[PurchasingRound, bool]:
        if current.status is RoundStatus.CLOSED:
            return current, False
        current.close(services.now())
        return current, True

    closed: PurchasingRound = await services.round_writer.submit(rnd.id, close, rnd)
    return closed


async def close_due(services: Services, now: datetime) -> int:
    """The scheduler closes every open round whose closing date has passed; how many it closed.
    The closing takes the round's line (`Services.round_writer`), so demands arriving at the
    same moment are committed before it or refused after it, in one order, instead of meeting
    it at the version check. Two trade processes (or a second tick) may try the same round:
    the round's conditional write lets one of them commit and the other finds it closed."""

    def close(current: PurchasingRound) -> tuple[bool, bool]:
        if current.status is not RoundStatus.OPEN or current.closes_at > now:
            return False, False  # closed by another process (or the clock went back)
        current.close(now)
        return True, True

    closed = 0
    for rnd in await services.rounds.due_to_close(now):
        if rnd.closes_at > now:  # the clock went back under the tick
            continue
        try:
            closed += bool(await services.round_writer.submit(rnd.id, close, rnd))
        except Conflict:  # busy elsewhere every time it was tried: the next tick closes it
            log.info("round busy elsewhere; closing it next tick", round_id=rnd.id)
    return closed


async def record_quote(
    services: Services, who: Principal, command: RecordQuote, quote_id: str
) -> PurchasingRound:
    """The ODF's staff record a supplier's quote. Major-client terms [¶54] are accepted only
    from a supplier on a participating project's Support Committee."""
    rnd = await round_in_scope(services, who, command.round_id)
    await _staff_of_round(services, who, rnd)
    if command.major_client_terms:
        committees = {p for g in await _groups(services, rnd) for p in g.support_committee}
        if command.supplier_id not in committees:
            raise TradeRuleViolation(
                f"supplier {command.supplier_id} sits on no participating project's Support "
                "Committee; only such a supply company grants its major-client terms [¶54]",
                rule="¶54",
            )
    quote = SupplierQuote.offer(
        quote_id=quote_id,
        supplier_id=command.supplier_id,
        supplier_name=command.supplier_name,
        tiers=tuple(
            PriceTier(min_quantity=t.min_quantity, unit_price=t.unit_price) for t in command.tiers
        ),
        delivery_charge=command.delivery_charge,
        major_client_terms=command.major_client_terms,
        valid_until=command.valid_until,
        received_at=services.now(),
    )

    def receive(current: PurchasingRound) -> tuple[PurchasingRound, bool]:
        if quote_id in current.quotes:
            return current, False  # a retry of the same key after it was stored
        current.receive_quote(quote)
        return current, True

    received: PurchasingRound = await services.round_writer.submit(rnd.id, receive, rnd)
    return received


async def choose_quote(services: Services, who: Principal, command: ChooseQuote) -> PurchasingRound:
    """The ODF of `group_id` chooses: its board representative or its staff, per the setting;
    the round fixes every member's allocation and cost share [¶55, ¶69]."""
    rnd = await round_in_scope(services, who, command.round_id)
    group = await _participating_group(services, rnd, command.group_id)
    assert group.odf_id is not None
    policy = services.settings.quote_decider
    decider = Decider(
        roles=who.role_names(),
        odf_id=group.odf_id,
        participant_id=who.participant_id or who.subject,
        organization=who.organization,
    )

    def choose(current: PurchasingRound) -> tuple[PurchasingRound, bool]:
        quote = current.quotes.get(command.quote_id)
        if quote is None:
            raise Missing(f"round {current.id} received no quote {command.quote_id}", rule=RULE)
        quote_decider(decider, policy, group.governance, quote)  # [¶55] before anything else
        if policy is QuoteDecider.STAFF and who.organization not in (None, group.odf_id):
            raise NotAuthorized(
                f"only group {group.id}'s Development Organization chooses for it [¶55]",
                rule="¶55",
            )
        current.choose_quote(
            command.quote_id, decider, policy, group.governance, services.now(), group_id=group.id
        )
        return current, True

    chosen: PurchasingRound = await services.round_writer.submit(rnd.id, choose, rnd)
    return chosen


async def pay_share(services: Services, who: Principal, command: PayShare) -> PurchasingRound:
    """The member, or their ODF's staff for them, pays the member's exact cost share."""
    rnd = await round_in_scope(services, who, command.round_id)
    share = rnd.allocation(command.participant_id)
    group = await _member_group(services, rnd, command.participant_id, share.group_id, share.odf_id)
    by = _speak_for(who, command.participant_id, group, "pay their share")

    def pay(current: PurchasingRound) -> tuple[PurchasingRound, bool]:
        current.pay_share(command.participant_id, command.amount, by, services.now())
        return current, True

    paid: PurchasingRound = await services.round_writer.submit(rnd.id, pay, rnd)
    return paid


async def request_financing(
    services: Services, who: Principal, round_id: str, financing_id: str
) -> PurchasingRound:
    """The staff of the ODF that chose the quote, acting for it alone [¶55], ask for the
    unpaid shares to be financed: trade announces it and decides nothing about the money."""
    rnd = await round_in_scope(services, who, round_id)
    if rnd.financing is not None and rnd.financing.financing_id == financing_id:
        return rnd  # a retry of the same key after it was stored
    if rnd.deciding_group_id is None:
        raise TradeRuleViolation(
            f"round {rnd.id} has not chosen its quote yet: its shares are not fixed", rule=RULE
        )
    group = await services.groups.get(rnd.deciding_group_id, Shard(rnd.state))
    act_for_odf(who, group)
    if not who.has_role(Role.ODF_STAFF):
        raise NotAuthorized("the deciding ODF's staff ask for the round's financing", rule=RULE)
    odf_id = group.odf_id
    assert odf_id is not None

    def ask(current: PurchasingRound) -> tuple[PurchasingRound, bool]:
        if current.financing is not None and current.financing.financing_id == financing_id:
            return current, False  # a retry of the same key, stored meanwhile
        current.request_financing(financing_id, odf_id, who.subject, services.now())
        return current, True

    asked: PurchasingRound = await services.round_writer.submit(rnd.id, ask, rnd)
    return asked


async def list_rounds(
    services: Services,
    who: Principal,
    *,
    group_id: str | None,
    state: str | None,
    status: RoundStatus | None,
    limit: int,
) -> list[PurchasingRound]:
    """Rounds in the caller's scope: of one group or state (403 outside the caller's states),
    else of every state the caller acts in; newest closing date first."""
    if state is not None:
        check_state(who, state)
    if group_id is not None:
        await group_in_scope(services, who, group_id)
    states = None if who.is_national or state is not None else sorted(who.states)
    found = await services.rounds.search(
        group_id=group_id, state=state, states=states, status=status, limit=limit
    )
    return [r for r in found if who.can_act_in_state(r.state)]

"""Subscriptions: a partner bank's, made and changed by that bank only; a donor portal's, for
its association (issue 16), made and changed by that association's portal only; read by their
owner and by a national programme supervisor. A bank's subscription covers every fund the bank
holds and every loan it lends, in every state, so it needs a token of national scope (a
state-scoped token is 403); a portal's token must cover its association's state of origin, as
learnt from `donors.AssociationRegistered` (an association the service has not heard of is a
404)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from megp_common.auth import Principal, Role, check_state
from megp_common.refusals import Forbidden, NotFound
from webhooks.domain.catalogue import ASSOCIATION, BANK
from webhooks.domain.errors import DeliveryNotFailed, NotThisBank, SubscriptionNotFound
from webhooks.domain.subscription import Subscription, checked_types, checked_url, new_secret
from webhooks.service_layer.container import Services
from webhooks.service_layer.notices import tell_disabled

T = TypeVar("T")


@dataclass(frozen=True)
class Subscriber:
    """Who owns subscriptions: a bank (by name) or an association (by id)."""

    name: str
    kind: str


def bank_of(who: Principal) -> str:
    if "partner_bank" not in who.role_names() or not who.organization:
        raise NotThisBank("only a partner bank's token naming its bank (organization) subscribes")
    check_state(who, None)
    return who.organization


async def subscriber_of(services: Services, who: Principal) -> Subscriber:
    """The caller as a subscriber. A token with the bank role is its bank, whatever else it
    carries (the bank gate's rule); else a donor portal's token is its association."""
    if who.has_role(Role.PARTNER_BANK):
        return Subscriber(bank_of(who), BANK)
    if who.has_role(Role.DONOR_PORTAL) and who.organization:
        state = await services.holdings.bank(ASSOCIATION, who.organization)
        if state is None:
            raise NotFound(f"no association {who.organization} is known to the webhooks service")
        check_state(who, state)
        return Subscriber(who.organization, ASSOCIATION)
    raise Forbidden(
        "a partner bank's token naming its bank, or a donor portal's naming its association "
        "(organization), owns subscriptions"
    )


async def reader_of(services: Services, who: Principal) -> Subscriber | None:
    """Whose subscriptions the caller reads: its own, or None (every one) for a national
    programme supervisor without the bank or portal role."""
    if who.has_role(Role.PARTNER_BANK) or who.has_role(Role.DONOR_PORTAL):
        return await subscriber_of(services, who)
    check_state(who, None)
    if who.has_role(Role.PROGRAMME_SUPERVISOR):
        return None
    raise NotThisBank("a partner bank reads its own subscriptions; a supervisor reads them all")


async def subscribe(
    services: Services,
    who: Principal,
    sub_id: str,
    url: str,
    event_types: list[str],
    description: str | None,
) -> Subscription:
    owner = await subscriber_of(services, who)
    sub = Subscription(
        id=sub_id,
        bank=owner.name,
        subscriber=owner.kind,
        url=checked_url(url, allow_http=services.settings.urls_may_be_http),
        event_types=checked_types(event_types, owner.kind),
        secret=new_secret(),
        created_at=services.wall_now(),
        description=description,
    )
    await services.subscriptions.add(sub)
    return sub


async def own(
    services: Services, who: Principal, sub_id: str, *, reading: bool = False
) -> Subscription:
    owner = await (reader_of(services, who) if reading else subscriber_of(services, who))
    sub = await services.subscriptions.get(sub_id)
    if sub is None or (
        owner is not None and (sub.bank != owner.name or sub.subscriber != owner.kind)
    ):
        raise SubscriptionNotFound(f"no subscription {sub_id} of this subscriber")
    return sub


async def _changed(
    services: Services, who: Principal, sub_id: str, change: Callable[[Subscription], T]
) -> tuple[Subscription, T]:
    await own(services, who, sub_id)
    done = await services.subscriptions.change(sub_id, change)
    if done is None:
        raise SubscriptionNotFound(f"no subscription {sub_id} of this bank")
    return done


async def disable(services: Services, who: Principal, sub_id: str) -> Subscription:
    """Stop delivering; the queue is kept, and the bank's other subscriptions are told."""
    when = services.wall_now()
    sub, changed = await _changed(
        services, who, sub_id, lambda s: s.disable(when, "disabled by the bank")
    )
    if changed:
        await tell_disabled(services, sub, by_bank=True)
    return sub


async def enable(services: Services, who: Principal, sub_id: str) -> Subscription:
    """Deliver again, from where the queue stopped: its oldest undelivered delivery first, at
    once, with the failing clock reset. Deliveries marked failed stay failed (replay them)."""
    sub, changed = await _changed(services, who, sub_id, lambda s: s.enable())
    if changed:
        await services.deliveries.resume(sub.id)
    return sub


async def rotate_secret(services: Services, who: Principal, sub_id: str) -> Subscription:
    """A new signing secret; the one it replaces keeps signing for `SECRET_OVERLAP_S` more."""
    when, new, overlap = services.wall_now(), new_secret(), services.settings.secret_overlap_s
    sub, _ = await _changed(services, who, sub_id, lambda s: s.rotate_secret(new, when, overlap))
    return sub


async def replay(services: Services, who: Principal, sub_id: str, delivery_id: str) -> None:
    """Queue a failed delivery again, with its same webhook-id; it goes out in its place in
    the queue order (before anything queued after it that is still pending)."""
    sub = await own(services, who, sub_id)
    found = await services.deliveries.get(delivery_id)
    if found is None or found["subscription_id"] != sub.id:
        raise SubscriptionNotFound(f"no delivery {delivery_id} of this subscription")
    if found["status"] != "failed":
        raise DeliveryNotFailed(f"delivery {delivery_id} is {found['status']}, not failed")
    await services.deliveries.replay(delivery_id)

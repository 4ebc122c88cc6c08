"""A partner bank's subscriptions: made, read and disabled by that bank only."""

from __future__ import annotations

from megp_common.auth import Principal
from webhooks.domain.errors import NotThisBank, SubscriptionNotFound
from webhooks.domain.subscription import Subscription, checked_types, checked_url, new_secret
from webhooks.service_layer.container import Services


def bank_of(who: Principal) -> str:
    if "partner_bank" not in who.role_names() or not who.organization:
        raise NotThisBank("only a partner bank's token naming its bank (organization) subscribes")
    return who.organization


async def subscribe(
    services: Services,
    who: Principal,
    sub_id: str,
    url: str,
    event_types: list[str],
    description: str | None,
) -> Subscription:
    sub = Subscription(
        id=sub_id,
        bank=bank_of(who),
        url=checked_url(url, allow_http=services.settings.urls_may_be_http),
        event_types=checked_types(event_types),
        secret=new_secret(),
        created_at=services.wall_now(),
        description=description,
    )
    await services.subscriptions.add(sub)
    return sub


async def own(services: Services, who: Principal, sub_id: str) -> Subscription:
    bank = bank_of(who)
    sub = await services.subscriptions.get(sub_id)
    if sub is None or sub.bank != bank:
        raise SubscriptionNotFound(f"no subscription {sub_id} of this bank")
    return sub


async def disable(services: Services, who: Principal, sub_id: str) -> Subscription:
    sub = await own(services, who, sub_id)
    sub.disable(services.wall_now(), "disabled by the bank")
    await services.subscriptions.save(sub)
    return sub

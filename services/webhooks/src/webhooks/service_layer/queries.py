"""What a subscriber (a bank, an association's portal) reads: its subscriptions, each one's
delivery log, and its notices."""

from __future__ import annotations

from megp_common.auth import Principal
from megp_common.mongo import Document
from webhooks.domain.notices import Notice
from webhooks.domain.subscription import Subscription
from webhooks.service_layer.container import Services
from webhooks.service_layer.subscriptions import own, reader_of


async def subscriptions(services: Services, who: Principal, limit: int) -> list[Subscription]:
    owner = await reader_of(services, who)
    found = await services.subscriptions.of_bank(None if owner is None else owner.name, limit)
    return [s for s in found if owner is None or s.subscriber == owner.kind]


async def deliveries(
    services: Services, who: Principal, sub_id: str, status: str | None, limit: int
) -> list[Document]:
    sub = await own(services, who, sub_id, reading=True)
    return await services.deliveries.of(sub.id, status, limit)


async def subscription(services: Services, who: Principal, sub_id: str) -> Subscription:
    return await own(services, who, sub_id, reading=True)


async def notices(services: Services, who: Principal, limit: int) -> list[Notice]:
    """The caller's bank's notices (every bank's for a national supervisor), oldest first."""
    owner = await reader_of(services, who)
    return await services.notices.of_bank(None if owner is None else owner.name, limit)

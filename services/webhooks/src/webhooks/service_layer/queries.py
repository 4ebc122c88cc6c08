"""What a bank reads: its subscriptions, each one's delivery log, and its notices."""

from __future__ import annotations

from megp_common.auth import Principal
from megp_common.mongo import Document
from webhooks.domain.notices import Notice
from webhooks.domain.subscription import Subscription
from webhooks.service_layer.container import Services
from webhooks.service_layer.subscriptions import bank_read, own


async def subscriptions(services: Services, who: Principal, limit: int) -> list[Subscription]:
    return await services.subscriptions.of_bank(bank_read(who), limit)


async def deliveries(
    services: Services, who: Principal, sub_id: str, status: str | None, limit: int
) -> list[Document]:
    sub = await own(services, who, sub_id, reading=True)
    return await services.deliveries.of(sub.id, status, limit)


async def subscription(services: Services, who: Principal, sub_id: str) -> Subscription:
    return await own(services, who, sub_id, reading=True)


async def notices(services: Services, who: Principal, limit: int) -> list[Notice]:
    """The caller's bank's notices (every bank's for a national supervisor), oldest first."""
    return await services.notices.of_bank(bank_read(who), limit)

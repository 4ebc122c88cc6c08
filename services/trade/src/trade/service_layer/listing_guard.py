"""The listing guard [issue 14]: a product naming an invention is held until ip-counsel's
events clear the invention, then published (its `ProductListed`, once) by this handler.

Each handler applies its event to the invention once (the event id lands in the same write,
`apply_once`), then, on every delivery, publishes the invention's held products if it is
cleared: a redelivery after a crash between the two finishes the job. A listing made while
the clearing event is being handled is not lost either: the use case re-reads the invention
after storing a held product and releases it itself (`release_if_cleared`), and the handler
looks for held products after saving the invention, so one of the two sees the other's write.

A filing's events name the filing only: trade finds its invention by the filing id it learnt
from `FilingDrafted` (same topic and key, so in order). A filing trade never saw drafted
protects nothing trade can tell; it is logged and skipped."""

from __future__ import annotations

from collections.abc import Callable

import structlog

from megp_common.consumer import Handler
from megp_common.contracts import ip_counsel as ip
from megp_common.events import EventEnvelope
from megp_common.handling import apply_once
from trade.domain.invention import Invention
from trade.domain.product import Product
from trade.service_layer.container import Services

log = structlog.get_logger(__name__)


async def release_if_cleared(services: Services, invention_id: str) -> int:
    """Publish the products held for this invention if trade has cleared it; how many."""
    invention = await services.inventions.find(invention_id)
    if invention is None or not invention.cleared:
        return 0
    released = 0
    for product in await services.products.held_for(invention_id):
        released += await release(services, product)
    return released


async def release(services: Services, product: Product) -> int:
    level = await services.stock.level(product.id)
    if not product.release(level.on_hand, services.now()):
        return 0
    await services.products.save(product)  # a concurrent release: its version check refuses
    log.info("held listing published", product_id=product.id, invention_id=product.invention_id)
    return 1


async def _on_invention(
    services: Services,
    env: EventEnvelope,
    disclosure_id: str,
    change: Callable[[Invention], None],
    group_id: str | None = None,
) -> None:
    await apply_once(
        services.inventions,
        disclosure_id,
        env.id,
        change,
        create=lambda: Invention(id=disclosure_id, group_id=group_id),
    )
    await release_if_cleared(services, disclosure_id)


async def _on_filing(
    services: Services, env: EventEnvelope, filing_id: str, change: Callable[[Invention], None]
) -> None:
    invention = await services.inventions.with_filing(filing_id)
    if invention is None:
        log.warning("filing of an invention trade never heard of", filing_id=filing_id)
        return
    await _on_invention(services, env, invention.id, change)


class ListingGuardHandlers:
    """One method per ip-counsel event the guard listens to; `table` keys them by type."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def decided(self, env: EventEnvelope, e: ip.InventorsDecided) -> None:
        await _on_invention(
            self.services, env, e.disclosure_id, lambda i: i.decided(e.choice), e.group_id
        )

    async def drafted(self, env: EventEnvelope, e: ip.FilingDrafted) -> None:
        await _on_invention(
            self.services,
            env,
            e.disclosure_id,
            lambda i: i.filing_drafted(e.filing_id),
            e.group_id,
        )

    async def submitted(self, env: EventEnvelope, e: ip.FilingSubmitted) -> None:
        await _on_filing(self.services, env, e.filing_id, lambda i: i.filing_submitted(e.filing_id))

    async def published(
        self, env: EventEnvelope, e: ip.FilingPublished | ip.FilingGranted | ip.FilingInForce
    ) -> None:
        await _on_filing(self.services, env, e.filing_id, lambda i: i.filing_published(e.filing_id))

    async def ended(
        self, env: EventEnvelope, e: ip.FilingAbandoned | ip.FilingLapsed | ip.FilingExpired
    ) -> None:
        await _on_filing(self.services, env, e.filing_id, lambda i: i.filing_ended(e.filing_id))

    def table(self) -> dict[str, Handler]:
        return {
            ip.InventorsDecided.event_type: self.decided,
            ip.FilingDrafted.event_type: self.drafted,
            ip.FilingSubmitted.event_type: self.submitted,
            ip.FilingPublished.event_type: self.published,
            ip.FilingGranted.event_type: self.published,
            ip.FilingInForce.event_type: self.published,
            ip.FilingAbandoned.event_type: self.ended,
            ip.FilingLapsed.event_type: self.ended,
            ip.FilingExpired.event_type: self.ended,
        }

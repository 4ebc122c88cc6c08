"""What trade does with events: it learns each project group's state, ODF, members (the
producers) and governance, and each producer's gender, indigenous flag and programmes, from
enrollment; it writes its sales ledger from its own `SaleCompleted` and `SaleReturned` (a run
of them at once); it learns from ip-counsel's decisions and filings which inventions may be
shown (listing_guard.py); and from donors' `AssociationRegistered` it opens the association's
channel (channels.py). Each handler is idempotent: the event id is recorded in the same write
as its effect, or the effect is an insert of an id the store refuses twice."""

from __future__ import annotations

from typing import Any

from megp_common.consumer import BatchHandler, Handler
from megp_common.contracts import donors as dnr
from megp_common.contracts import enrollment as enr
from megp_common.contracts import trade as ev
from megp_common.events import EventEnvelope
from megp_common.group_events import group_handlers
from megp_common.handling import batched
from trade.domain.producer import ProducerRecord
from trade.service_layer import channels, ledger
from trade.service_layer.container import Services
from trade.service_layer.listing_guard import ListingGuardHandlers


def handlers(services: Services) -> dict[str, Handler]:
    return EventHandlers(services).table()


class EventHandlers:
    """One method per event trade consumes; `table` keys them by the contract's event type."""

    def __init__(self, services: Services) -> None:
        self.services = services
        # a run of participant events (a registration sheet's, one per person) at once
        self.producers = batched(
            services.producers,
            ledger.plan_producer,
            create=lambda participant_id: ProducerRecord(id=participant_id),
        )

        # a run of trade's own sales and returns (a partition's) is one bulk insert of entries
        self.entries = BatchHandler(self.record_entries)

    async def record_entries(self, items: list[tuple[EventEnvelope, Any]]) -> None:
        await ledger.record_entries(self.services, items)

    async def association_registered(
        self, env: EventEnvelope, e: dnr.AssociationRegistered
    ) -> None:
        await channels.open_for_association(self.services, e)

    def table(self) -> dict[str, Any]:
        return (
            group_handlers(self.services.groups)
            | {
                enr.ParticipantEnrolled.event_type: self.producers,
                enr.ParticipantUpdated.event_type: self.producers,
                ev.SaleCompleted.event_type: self.entries,
                ev.SaleReturned.event_type: self.entries,
                dnr.AssociationRegistered.event_type: self.association_registered,
            }
            | ListingGuardHandlers(self.services).table()
        )

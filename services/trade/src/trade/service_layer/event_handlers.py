"""What trade does with other services' events: it learns each project group's state, ODF,
members (the producers) and governance from enrollment. Each handler is idempotent: the event
id is recorded in the same write as its effect."""

from __future__ import annotations

from typing import Any

from megp_common.consumer import Handler
from megp_common.group_events import group_handlers
from trade.service_layer.container import Services


def handlers(services: Services) -> dict[str, Handler]:
    return EventHandlers(services).table()


class EventHandlers:
    """One method per event trade consumes; `table` keys them by the contract's event type."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def table(self) -> dict[str, Any]:
        return group_handlers(self.services.groups)

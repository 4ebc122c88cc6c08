"""What the passing of time does in trade: unpaid orders past their reservation expire and give
their units back, purchasing rounds whose closing date has passed close, then holds that no
order accounts for (a crash between reserving and storing the order) are released once their
expiry passed."""

from __future__ import annotations

from datetime import datetime

from trade.service_layer.container import Services
from trade.service_layer.fulfilment import sweep_orphan_holds
from trade.service_layer.orders import expire_due
from trade.service_layer.rounds import close_due


async def tick(services: Services, now: datetime) -> None:
    await expire_due(services)
    await close_due(services, services.now())
    await sweep_orphan_holds(services)

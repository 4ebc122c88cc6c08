"""What enrollment does with other services' events: a completed sale (trade's SaleCompleted)
is revenue for its producer, counted in the period of their business plan that contains the
sale's day. Each handler is idempotent: the event id is kept on the group period in the same
write as the sale, and the sale itself names the event and the order."""

from __future__ import annotations

from decimal import Decimal

import structlog

from enrollment.domain.errors import DomainRefusal
from enrollment.domain.group_period import GroupPeriod, SaleOutcome
from enrollment.domain.periods import Period, calendar_period
from enrollment.service_layer.container import Services
from megp_common.consumer import Handler, PermanentError
from megp_common.contracts import trade
from megp_common.events import EventEnvelope
from megp_common.handling import apply_once

log = structlog.get_logger(__name__)

#: The one currency a sale is counted in: periods, baselines and deposits are in pesos.
COUNTED_CURRENCY = "MXN"


def counted_part(e: trade.SaleCompleted) -> Decimal:
    """The producer's part in pesos: itself for a peso sale; for a sale in another currency,
    the peso amount trade converted at the rate recorded for the payment's day
    (`producer_part_mxn`). A foreign sale without it cannot be counted (dead-lettered)."""
    if e.currency == COUNTED_CURRENCY:
        return e.producer_part
    if e.producer_part_mxn is None:
        raise PermanentError(
            f"sale {e.order_id}: a {e.currency} sale carries no {COUNTED_CURRENCY} amount to count"
        )
    return e.producer_part_mxn


def build(services: Services) -> dict[str, Handler]:
    return EventHandlers(services).table()


class EventHandlers:
    """One method per event enrollment consumes; `table` keys them by the contract's type."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def table(self) -> dict[str, Handler]:
        return {trade.SaleCompleted.event_type: self.sale_completed}

    async def sale_completed(self, env: EventEnvelope, e: trade.SaleCompleted) -> None:
        """In the producer's open period: part of its income at closing. In a closed one: kept
        as a late sale and reported (the result stands; a correction changes it). Without a
        plan covering the day: the group period's unplanned revenue."""
        producer_part = counted_part(e)
        services = self.services
        group = await services.groups.find(e.group_id)
        if group is None or group.odf is None:
            raise PermanentError(f"sale {e.order_id}: group {e.group_id} is not known here")
        plans = await services.plans.of_group(e.group_id)
        plan = plans.get(e.producer_id)
        period = plan.period_containing(e.completed_on) if plan else None
        if period is None:
            plan = None
            covering = [
                found
                for p in plans.values()
                if (found := p.period_containing(e.completed_on)) is not None
            ]
            period = min(covering, key=lambda p: (p.months, p.start), default=None) or (
                calendar_period(services.default_period_months, e.completed_on)
            )
        fresh = GroupPeriod.begin(group.id, group.odf.odf_id, group.state, period)
        outcome: list[SaleOutcome] = []

        def count(doc: GroupPeriod) -> None:
            try:
                outcome.append(
                    doc.count_sale(
                        plan,
                        sale_id=env.id,
                        order_id=e.order_id,
                        participant_id=e.producer_id,
                        producer_part=producer_part,
                        completed_on=e.completed_on,
                        now=services.now(),
                    )
                )
            except DomainRefusal as exc:  # bad data: no retry can help
                raise PermanentError(f"sale {e.order_id}: {exc.detail}") from exc

        applied = await apply_once(services.periods, fresh.id, env.id, count, create=lambda: fresh)
        _report(e, period, outcome[-1] if applied and outcome else SaleOutcome.DUPLICATE)


def _report(e: trade.SaleCompleted, period: Period, outcome: SaleOutcome) -> None:
    fields = {
        "order_id": e.order_id,
        "producer_id": e.producer_id,
        "group_id": e.group_id,
        "period_start": period.start.isoformat(),
        "producer_part": str(e.producer_part),
        "currency": e.currency,
        "producer_part_mxn": str(e.producer_part_mxn or e.producer_part),
        "exchange_rate": str(e.exchange_rate) if e.exchange_rate is not None else None,
        "outcome": outcome.value,
    }
    if outcome is SaleOutcome.LATE:
        log.warning("sale for a closed period kept; correct the result to count it", **fields)
    else:
        log.info("sale received", **fields)

"""The sales ledger, written from trade's own `SaleCompleted` events, and the producers it
stamps on each line, learnt from enrollment's participant events.

Why a consumer of trade's own event rather than a write beside the order's save: the event is
committed in the same store write as the order (its outbox), so it exists exactly when the sale
does and the relay delivers it at least once, even when the process dies right after the
order's save, before anything else ran (a write in the use case would be lost in that gap
unless the caller retried). A redelivery, or a second `SaleCompleted` for the same (order,
producer), writes nothing: each line's `_id` is the order id and the line number, and the
store refuses a second insert of an id atomically. The price: reports see a sale once the
relay has published it and the consumer handled it (well under a second here). A return
accepted after the sale (`SaleReturned`) is netted out by an entry of its own, negative, once
per return."""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from megp_common.consumer import PermanentError
from megp_common.contracts import enrollment as enr
from megp_common.contracts import trade as ev
from megp_common.events import EventEnvelope
from megp_common.handling import Planned, apply_planned
from megp_common.mongo import Shard
from trade.domain.ledger import SaleLine, lines_of_sale, return_entry
from trade.domain.order import Order, OrderLine
from trade.domain.producer import ProducerRecord
from trade.service_layer.container import Services

log = structlog.get_logger(__name__)


#: the events of trade's own that the ledger writes an entry for
Entry = ev.SaleCompleted | ev.SaleReturned


async def record_sale(services: Services, env: EventEnvelope, e: ev.SaleCompleted) -> int:
    """Write the sale's lines to the ledger once; how many this delivery wrote."""
    return await record_entries(services, [(env, e)])


async def record_return(services: Services, env: EventEnvelope, e: ev.SaleReturned) -> bool:
    """Net a return accepted after its sale out of the ledger: one entry per return (its `_id`
    names the return), written once however often the event comes."""
    return await record_entries(services, [(env, e)]) > 0


def _holds_effect(order: Order, e: Entry) -> bool:
    """Whether this copy of the order holds what the event announced (any later copy does)."""
    if isinstance(e, ev.SaleCompleted):
        return e.producer_id in order.completed_producers
    return any(r.id == e.return_id and r.sale_returned for r in order.returns)


async def _orders_of(
    services: Services, items: Sequence[tuple[EventEnvelope, Entry]]
) -> dict[str, Order]:
    """The orders of a run of events: the copy this process holds where it holds the event's
    effect (a sale's lines are the same in every copy from its completion on: what shipped and
    the returns accepted before it), the others in one query."""
    orders: dict[str, Order] = {}
    for _, e in items:
        held = services.orders.peek(e.order_id)
        if e.order_id not in orders and held is not None and _holds_effect(held, e):
            orders[e.order_id] = held.model_copy(deep=True)  # taken as it is now
    missing = [e.order_id for _, e in items if e.order_id not in orders]
    if missing:
        orders |= await services.orders.find_by_ids(missing)
    return orders


async def record_entries(services: Services, items: Sequence[tuple[EventEnvelope, Entry]]) -> int:
    """The ledger's entries of a run of `SaleCompleted` and `SaleReturned` (one partition's,
    consecutive): the orders read at once (or held, `_orders_of`), the producers in one query,
    the entries in one bulk insert of which the store refuses any id it holds already (a
    redelivery writes nothing). How many entries this call wrote."""
    orders = await _orders_of(services, items)
    wanted: list[tuple[Order, Entry, list[OrderLine]]] = []
    for env, e in items:
        order = orders.get(e.order_id)
        if isinstance(e, ev.SaleCompleted):
            theirs = [x for x in order.lines if x.producer_id == e.producer_id] if order else []
            if not theirs:
                # trade alone publishes on trade.events: a sale of an order it does not hold
                # is not one of its own, and no retry will find the order
                raise PermanentError(f"SaleCompleted {env.id}: trade holds no order {e.order_id}")
        else:
            ret = next((r for r in order.returns if r.id == e.return_id), None) if order else None
            if order is None or ret is None:
                raise PermanentError(f"SaleReturned {env.id}: trade holds no return {e.return_id}")
            theirs = [x for x in order.lines if x.number == ret.number]
        assert order is not None  # refused above
        wanted.append((order, e, theirs))
    # a line placed before lines carried their product's listing reads its product
    lines = [line for _, _, theirs in wanted for line in theirs if line.category is None]
    products = (
        await services.products.find_by_ids(
            [x.product_id for x in lines], {x.product_id: Shard(x.state, x.group_id) for x in lines}
        )
        if lines
        else {}
    )
    # the producer lives in the state of their group, the one their lines name
    where = {e.producer_id: Shard(theirs[0].state) for _, e, theirs in wanted}
    producers = await services.producers.find_by_ids(list(where), where)
    entries: list[SaleLine] = []
    for order, e, _ in wanted:
        producer = producers.get(e.producer_id)
        if isinstance(e, ev.SaleCompleted):
            entries += lines_of_sale(
                order, e.producer_id, products=products, producer=producer, sold_on=e.completed_on
            )
        else:
            entries.append(
                return_entry(
                    order,
                    e.return_id,
                    products=products,
                    producer=producer,
                    returned_on=e.returned_on,
                )
            )
    written = await services.sale_lines.add_many_once(entries)
    if written < len(entries):
        log.info("ledger entries there already", skipped=len(entries) - written)
    return written


async def learn_producer(
    services: Services,
    env: EventEnvelope,
    e: enr.ParticipantEnrolled | enr.ParticipantUpdated,
) -> None:
    await apply_planned(
        services.producers,
        [(env, plan_producer(env, e))],
        create=lambda participant_id: ProducerRecord(id=participant_id),
    )


def plan_producer(
    env: EventEnvelope, e: enr.ParticipantEnrolled | enr.ParticipantUpdated
) -> Planned[ProducerRecord]:
    """What a participant event does to the producer's record (a run of them, a registration
    sheet's people, is applied by `megp_common.handling.batched`: the records the run creates
    are inserted in one bulk write)."""
    as_of = e.enrolled_at if isinstance(e, enr.ParticipantEnrolled) else e.updated_at

    def learn(p: ProducerRecord) -> None:
        p.learn(
            gender=e.gender,
            indigenous=e.indigenous,
            programmes=list(e.programmes),
            state=e.state_code,
            as_of=as_of,
        )

    return Planned(e.participant_id, learn)

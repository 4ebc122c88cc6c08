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

import structlog

from megp_common.consumer import PermanentError
from megp_common.contracts import enrollment as enr
from megp_common.contracts import trade as ev
from megp_common.events import EventEnvelope
from megp_common.handling import Planned, apply_planned
from megp_common.mongo import Shard
from trade.domain.ledger import lines_of_sale, return_entry
from trade.domain.producer import ProducerRecord
from trade.domain.product import Product
from trade.domain.returns import find_return
from trade.service_layer.container import Services

log = structlog.get_logger(__name__)


async def record_sale(services: Services, env: EventEnvelope, e: ev.SaleCompleted) -> int:
    """Write the sale's lines to the ledger once; how many this delivery wrote."""
    order = await services.orders.find(e.order_id)
    if order is None or not any(x.producer_id == e.producer_id for x in order.lines):
        # trade alone publishes on trade.events: a sale of an order it does not hold is not
        # one of its own, and no retry will find the order
        raise PermanentError(f"SaleCompleted {env.id}: trade holds no order {e.order_id}")
    products: dict[str, Product] = {}
    theirs = [x for x in order.lines if x.producer_id == e.producer_id]
    for line in theirs:
        if line.product_id not in products:
            found = await services.products.find(line.product_id, Shard(line.state, line.group_id))
            if found is not None:
                products[found.id] = found
    # the producer lives in the state of their group, the one their lines name
    producer = await services.producers.find(e.producer_id, Shard(theirs[0].state))
    sold = lines_of_sale(
        order,
        e.producer_id,
        products=products,
        producer=producer,
        sold_on=e.completed_on,
    )
    written = 0
    for sale_line in sold:
        written += await services.sale_lines.add_once(sale_line)
    if written < len(sold):
        log.info("sale lines there already", order_id=order.id, skipped=len(sold) - written)
    return written


async def record_return(services: Services, env: EventEnvelope, e: ev.SaleReturned) -> bool:
    """Net a return accepted after its sale out of the ledger: one entry per return (its `_id`
    names the return), written once however often the event comes."""
    order = await services.orders.find(e.order_id)
    if order is None or not any(r.id == e.return_id for r in order.returns):
        raise PermanentError(f"SaleReturned {env.id}: trade holds no return {e.return_id}")
    line = next(x for x in order.lines if x.number == find_return(order, e.return_id).number)
    product = await services.products.find(line.product_id, Shard(line.state, line.group_id))
    entry = return_entry(
        order,
        e.return_id,
        products={product.id: product} if product else {},
        producer=await services.producers.find(e.producer_id, Shard(line.state)),
        returned_on=e.returned_on,
    )
    written = await services.sale_lines.add_once(entry)
    if not written:
        log.info("return entry there already", order_id=order.id, return_id=e.return_id)
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

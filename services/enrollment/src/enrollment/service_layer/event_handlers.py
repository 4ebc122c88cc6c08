"""What enrollment does with other services' events: a completed sale (trade's SaleCompleted)
is revenue for its producer, and a royalty received (ip-counsel's RoyaltyReceived) is income
for its inventor, each counted in the period of their business plan that contains its day; a
return after a sale (trade's SaleReturned) is taken from the period containing the return's
day, by the same rules. Each handler is idempotent: the event id is kept on the group period in
the same write as the income, and the income itself names the event and the order (or the
royalty payment). A run of them (a group's sales of a day, one event per order and producer)
is counted with one read and one write per group period (`megp_common.handling.batched`), the
group's plan terms read once per run (`megp_common.handling.read_once`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import structlog

from enrollment.domain.business_plan import AgreedTerms, PlanTerms
from enrollment.domain.errors import DomainRefusal
from enrollment.domain.group_period import GroupPeriod, IncomeSource, SaleOutcome
from enrollment.domain.periods import Period, calendar_period
from enrollment.service_layer import plan_books
from enrollment.service_layer.container import Services
from megp_common.consumer import Handler, PermanentError
from megp_common.contracts import ip_counsel, trade
from megp_common.events import EventEnvelope
from megp_common.handling import Family, Planned, Recent, read_once
from megp_common.mongo import Shard

log = structlog.get_logger(__name__)

Counted = Planned[GroupPeriod]  # the group period an income lands in, and its counting

#: how many group periods the consumer keeps as it last committed them (one a group is selling
#: in, each a few hundred KB in memory at 200 members)
RECENT_PERIODS = 64

#: The one currency a sale is counted in: periods, baselines and deposits are in pesos.
COUNTED_CURRENCY = "MXN"


def counted_part(e: trade.SaleCompleted | trade.SaleReturned) -> Decimal:
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
        # the group periods this consumer committed last, written again without a read (a
        # group's sales of a month arrive as several runs; a copy another writer made stale
        # fails its conditional write and the retry reads the store)
        self.recent: Recent[GroupPeriod] = Recent(RECENT_PERIODS)

    def table(self) -> dict[str, Handler]:
        # a run of a group's sales, returns and royalties (trade's order events between them
        # skipped): one write per period
        periods = Family(self.services.periods, recent=self.recent)
        return {
            trade.SaleCompleted.event_type: periods.batched(self.sale_completed),
            trade.SaleReturned.event_type: periods.batched(self.sale_returned),
            ip_counsel.RoyaltyReceived.event_type: periods.batched(self.royalty_received),
        }

    async def sale_completed(self, env: EventEnvelope, e: trade.SaleCompleted) -> Counted:
        """In the producer's open period: part of its income at closing. In a closed one: kept
        as a late sale and reported (the result stands; a correction changes it). Without a
        plan covering the day: the group period's unplanned revenue."""
        return await self._count(
            env,
            currency=COUNTED_CURRENCY,  # a dollar sale is counted by its peso part
            group_id=e.group_id,
            participant_id=e.producer_id,
            order_id=e.order_id,
            amount=counted_part(e),
            day=e.completed_on,
            source=IncomeSource.SALE,
        )

    async def royalty_received(self, env: EventEnvelope, e: ip_counsel.RoyaltyReceived) -> Counted:
        """A royalty received is the inventor's income [¶3]: counted like a sale, in the
        inventor's period containing the day it was received, once per payment and inventor."""
        return await self._count(
            env,
            currency=e.currency,
            group_id=e.group_id,
            participant_id=e.participant_id,
            order_id=f"royalty:{e.payment_id}",
            amount=e.amount,
            day=e.received_on,
            source=IncomeSource.ROYALTY,
        )

    async def _count(
        self,
        env: EventEnvelope,
        *,
        currency: str,
        group_id: str,
        participant_id: str,
        order_id: str,
        amount: Decimal,
        day: date,
        source: IncomeSource,
    ) -> Counted:
        services = self.services
        fresh, plan = await self._where(
            order_id, currency, group_id, participant_id, day, env.state
        )
        outcome: list[SaleOutcome] = []

        def count(doc: GroupPeriod) -> None:
            try:
                outcome.append(
                    doc.count_sale(
                        plan,
                        sale_id=env.id,
                        order_id=order_id,
                        participant_id=participant_id,
                        producer_part=amount,
                        completed_on=day,
                        now=services.now(),
                        source=source,
                    )
                )
            except DomainRefusal as exc:  # bad data: no retry can help
                raise PermanentError(f"{source.value} {order_id}: {exc.detail}") from exc

        def report() -> None:  # once the income is written (a duplicate is not reported)
            _report(source, order_id, participant_id, group_id, amount, fresh.period, outcome[-1])

        shard = Shard(fresh.state, fresh.group_id)
        return Planned(fresh.id, count, create=lambda: fresh, then=report, shard=shard)

    async def sale_returned(self, env: EventEnvelope, e: trade.SaleReturned) -> Counted:
        """Negative revenue, by the rule of late sales: taken from the producer's open period
        containing the return's day; a closed period keeps it apart and its result stands."""
        services = self.services
        producer_part = counted_part(e)  # pesos, as the sale was counted
        fresh, plan = await self._where(
            e.order_id, COUNTED_CURRENCY, e.group_id, e.producer_id, e.returned_on, env.state
        )
        outcome: list[SaleOutcome] = []

        def count(doc: GroupPeriod) -> None:
            try:
                outcome.append(
                    doc.count_return(
                        plan,
                        sale_id=env.id,
                        return_id=e.return_id,
                        order_id=e.order_id,
                        participant_id=e.producer_id,
                        producer_part=producer_part,
                        returned_on=e.returned_on,
                        now=services.now(),
                    )
                )
            except DomainRefusal as exc:
                raise PermanentError(f"return {e.return_id}: {exc.detail}") from exc

        def report() -> None:
            fields = {
                "return_id": e.return_id,
                "order_id": e.order_id,
                "producer_id": e.producer_id,
            }
            if outcome[-1] is SaleOutcome.LATE:
                log.warning(
                    "return for a closed period kept; correct the result to count it", **fields
                )
            else:
                log.info("sale return received", outcome=outcome[-1].value, **fields)

        shard = Shard(fresh.state, fresh.group_id)
        return Planned(fresh.id, count, create=lambda: fresh, then=report, shard=shard)

    async def _where(
        self,
        order_id: str,
        currency: str,
        group_id: str,
        producer_id: str,
        day: date,
        state: str | None,
    ) -> tuple[GroupPeriod, PlanTerms | None]:
        """The group period (new, for a first write) and the producer's plan a sale or a return
        of `day` lands in: the plan's period containing it; without one, the group's shortest
        period containing it, or the default calendar period."""
        if currency != COUNTED_CURRENCY:
            raise PermanentError(
                f"sale {order_id}: only {COUNTED_CURRENCY} sales are counted, not {currency}"
            )
        services = self.services
        # the group's terms are read once per run: a run of its sales reads its book once
        group_state, odf_id, plans = await read_once(
            ("terms", group_id), lambda: self._group_terms(group_id, state)
        )
        if plans is None:
            raise PermanentError(f"sale {order_id}: group {group_id} is not known here")
        plan = plans.get(producer_id)
        period = plan.period_containing(day) if plan else None
        if period is None:
            plan = None
            covering = [
                found for p in plans.values() if (found := p.period_containing(day)) is not None
            ]
            period = min(covering, key=lambda p: (p.months, p.start), default=None) or (
                calendar_period(services.default_period_months, day)
            )
        return GroupPeriod.begin(group_id, odf_id, group_state, period), plan

    async def _group_terms(
        self, group_id: str, state: str | None
    ) -> tuple[str, str, dict[str, AgreedTerms] | None]:
        """The group's state, ODF and every member's plan terms; no terms (None) for a group
        this service does not know (or whose ODF is not registered)."""
        services = self.services
        # the group's plan book holds all a sale needs of the group and of its plans
        book = await plan_books.book_of(services, group_id, state)
        if book is not None:
            return book.state, book.odf_id, await plan_books.terms_of(services, book)
        # no plan agreed yet (or agreed before books existed)
        group = await services.groups.find(group_id, Shard(state))
        if group is None or group.odf is None:
            return state or "", "", None
        terms = await plan_books.unbooked_terms(services, group_id, group.state, group.odf.odf_id)
        return group.state, group.odf.odf_id, terms


def _report(
    source: IncomeSource,
    order_id: str,
    participant_id: str,
    group_id: str,
    amount: Decimal,
    period: Period,
    outcome: SaleOutcome,
) -> None:
    fields = {
        "source": source.value,
        "order_id": order_id,
        "producer_id": participant_id,
        "group_id": group_id,
        "period_start": period.start.isoformat(),
        "producer_part": str(amount),
        "outcome": outcome.value,
    }
    if outcome is SaleOutcome.LATE:
        log.warning("income for a closed period kept; correct the result to count it", **fields)
    else:
        log.info(f"{source.value} received", **fields)

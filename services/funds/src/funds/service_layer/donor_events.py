"""The donors service's events -> the fund (domain/donations.py): a donation booked as a grant or
temporary contribution, a co-funder's matching payment as its own grant, a refund as a reversing
entry. Each holds the fund's line of the writer, like every other consumer of funds, and posts
once per donors id (the entry id is derived from it; the journal is looked at too, for a
redelivery after the fund forgot the entry). What cannot be booked is announced back, never
retried (DonorMovementRefused)."""

from __future__ import annotations

from collections.abc import Callable

from funds.domain import donations
from funds.domain.fund import Fund, new_fund
from funds.domain.ledger import Entry
from funds.service_layer.container import Services
from megp_common.consumer import Handler
from megp_common.context import causal_context
from megp_common.contracts import donors
from megp_common.events import EventEnvelope
from megp_common.handling import apply_once
from megp_common.mongo import Shard


class DonorHandlers:
    def __init__(self, services: Services) -> None:
        self.services = services

    def table(self) -> dict[str, Handler]:
        return {
            donors.DonationMade.event_type: self.donation_made,
            donors.DonationRefunded.event_type: self.donation_refunded,
            donors.MatchingPledgePaid.event_type: self.pledge_paid,
        }

    async def _posted_long_ago(self, group_id: str, key: str) -> bool:
        probe = new_fund(group_id)
        return await self.services.journal.get(donations.entry_id_of(probe, key)) is not None

    async def _apply(
        self, env: EventEnvelope, group_id: str, change: Callable[[Fund], object]
    ) -> None:
        def run(fund: Fund) -> None:
            with causal_context(env.correlationid, env.id):
                change(fund)

        async with self.services.writer.exclusive([group_id]):
            applied = await apply_once(
                self.services.funds,
                group_id,
                env.id,
                run,
                create=lambda: new_fund(group_id),
                shard=Shard(env.state, group_id),
            )
        if applied:
            self.services.copier.notify(group_id)

    async def donation_made(self, env: EventEnvelope, e: donors.DonationMade) -> None:
        if await self._posted_long_ago(e.fund_id, donations.donation_key(e.donation_id)):
            return
        now, policy = self.services.clock.now(), self.services.policy
        await self._apply(env, e.fund_id, lambda f: donations.book_donation(f, e, now, policy))

    async def pledge_paid(self, env: EventEnvelope, e: donors.MatchingPledgePaid) -> None:
        if await self._posted_long_ago(e.fund_id, donations.pledge_key(e.pledge_id)):
            return
        now, policy = self.services.clock.now(), self.services.policy
        await self._apply(env, e.fund_id, lambda f: donations.book_pledge(f, e, now, policy))

    async def donation_refunded(self, env: EventEnvelope, e: donors.DonationRefunded) -> None:
        if await self._posted_long_ago(e.fund_id, donations.refund_key(e.refund_id)):
            return
        probe = new_fund(e.fund_id)
        original_id = donations.entry_id_of(probe, donations.donation_key(e.donation_id))
        fund = await self.services.funds.find(e.fund_id, Shard(env.state, e.fund_id))
        original: Entry | None = None
        if fund is not None:
            original = fund.pending_entry(original_id)
        if original is None:
            original = await self.services.journal.get(original_id)
        now, policy = self.services.clock.now(), self.services.policy
        await self._apply(
            env, e.fund_id, lambda f: donations.book_refund(f, original, e, now, policy)
        )


def build(services: Services) -> dict[str, Handler]:
    return DonorHandlers(services).table()

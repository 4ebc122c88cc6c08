"""Everything the use cases need, built once in `bootstrap.wire`."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from funds.adapters.journal import Journal, JournalCopier, ObligationArchive
from funds.adapters.participants import ParticipantDirectory
from funds.adapters.repositories import FundRepository
from funds.domain.errors import FundError
from funds.domain.fund import Fund
from funds.domain.ledger import Entry
from funds.domain.policy import FundPolicy
from megp_common.clock import SettableClock
from megp_common.errors import Conflict, DomainRefusal
from megp_common.mongo import ConcurrencyConflict
from megp_common.web import IdempotencyStore

ATTEMPTS = 8


@dataclass
class Services:
    funds: FundRepository
    journal: Journal
    copier: JournalCopier
    participants: ParticipantDirectory
    idempotency: IdempotencyStore
    clock: SettableClock
    policy: FundPolicy
    archive: ObligationArchive


def problem(error: FundError) -> DomainRefusal:
    """The refusal itself: the fund's errors are the platform's refusals, rendered by the one
    handler the app factory installs."""
    return error


async def change_fund(services: Services, fund_id: str, change: Callable[[Fund], object]) -> Fund:
    """Load, change, commit; reload and redo on a concurrent change. Rules refused -> 4xx."""
    for _ in range(ATTEMPTS):
        fund = await services.funds.get(fund_id)
        try:
            change(fund)
        except FundError as exc:
            raise problem(exc) from exc
        if await _committed(services, fund):
            return fund
    raise Conflict(f"fund {fund_id} is too busy; retry")


_READ: ContextVar[Fund | None] = ContextVar("fund_read_for_this_request", default=None)


def remember_read(fund: Fund) -> None:
    """The fund as this request just read it (to check it is open and in scope): the first
    attempt to post works on it instead of reading the document again. The commit is
    conditional on its version, so a stale copy only costs a retry from a fresh read."""
    _READ.set(fund)


def take_read(fund_id: str) -> Fund | None:
    fund = _READ.get()
    _READ.set(None)
    return fund if fund is not None and fund.id == fund_id else None


async def post_entry(
    services: Services,
    fund_id: str,
    operation: str,
    key: str,
    action: Callable[[Fund, str, str], Entry | None],
) -> Entry:
    """Post the entry `action` makes, once per (operation, key): a repeat returns the entry the
    first one posted, whether it still waits in the fund or was copied to the journal."""
    for _ in range(ATTEMPTS):
        fund = take_read(fund_id) or await services.funds.get(fund_id)
        entry_id = fund.entry_id(operation, key)
        earlier = fund.pending_entry(entry_id) or await services.journal.get(entry_id)
        if earlier is not None:
            return earlier
        try:
            entry = action(fund, entry_id, key)
        except FundError as exc:
            raise problem(exc) from exc
        assert entry is not None
        if await _committed(services, fund):
            return entry
    raise Conflict(f"fund {fund_id} is too busy; retry")


async def _committed(services: Services, fund: Fund) -> bool:
    try:
        await services.funds.save(fund)
    except ConcurrencyConflict:
        return False
    if fund.pending_entries:
        services.copier.notify(fund.id)
    return True

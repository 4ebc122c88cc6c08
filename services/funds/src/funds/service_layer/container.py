"""Everything the use cases need, built once in `bootstrap.wire`."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from funds.adapters.journal import Journal, JournalCopier, ObligationArchive
from funds.adapters.month_ends import MonthEnds
from funds.adapters.participants import ParticipantDirectory
from funds.adapters.reconciliations import ReconciliationRepository
from funds.adapters.repositories import FundRepository, SpendingRequestRepository
from funds.domain.fund import Fund, new_fund
from funds.domain.ledger import Entry
from funds.domain.policy import FundPolicy
from funds.service_layer.writer import FundWriter, busy
from megp_common.clock import SettableClock
from megp_common.web import IdempotencyStore


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
    #: IMPI fees asked of the Competition Sub-Fund (domain/spending_requests.py)
    spending: SpendingRequestRepository
    #: trust banks' statements reconciled against the journal (service_layer/reconciling.py)
    reconciliations: ReconciliationRepository
    #: the by-state totals at each month's end (service_layer/month_ends.py)
    month_ends: MonthEnds
    #: every change to a fund goes through its line here (see FundWriter)
    writer: FundWriter = field(init=False)

    def __post_init__(self) -> None:
        self.writer = FundWriter(self.funds, self._committed)

    def _committed(self, fund: Fund) -> None:
        # nearly every commit adds ids to the fund's memory (an entry, an applied event), which
        # the copier moves to the fund's memory document
        self.copier.notify(fund.id)


async def change_fund(services: Services, fund_id: str, change: Callable[[Fund], object]) -> Fund:
    """Apply `change` to the fund and commit it, in turn with every other change to the fund
    (FundWriter). A refusal of the rules propagates: it is the platform's refusal (4xx)."""

    def job(fund: Fund) -> tuple[Fund, bool]:
        change(fund)
        return fund, True

    committed: Fund = await services.writer.submit(fund_id, job)
    return committed


_READ: ContextVar[Fund | None] = ContextVar("fund_read_for_this_request", default=None)


def remember_read(fund: Fund) -> None:
    """The fund as this request just read it (to check it is open and in scope): the writer
    may start from it instead of reading the document again. The commit is conditional on its
    version, so a stale copy only costs a retry from a fresh read."""
    _READ.set(fund)


def take_read(fund_id: str) -> Fund | None:
    fund = _READ.get()
    _READ.set(None)
    return fund if fund is not None and fund.id == fund_id else None


def _may_be_in_journal(read: Fund | None, entry_id: str) -> bool:
    """False when the fund as the request read it (whole: a view is read without the id
    memory) remembers every entry it ever posted and not this one: then the journal cannot
    have it either, and the read is not needed. One posted since that read is seen by the job
    itself (in the fund, or `_COPIED`)."""
    if read is None or read.is_view:
        return True
    return read.has_posted(entry_id) or len(read.recent_entry_ids) >= read.remember_entries


_COPIED = object()  # the entry was posted earlier and has been copied to the journal since


async def post_entry(
    services: Services,
    fund_id: str,
    operation: str,
    key: str,
    action: Callable[[Fund, str, str], Entry | None],
) -> Entry:
    """Post the entry `action` makes, once per (operation, key): a repeat returns the entry the
    first one posted, whether it still waits in the fund or was copied to the journal."""
    entry, _ = await post_entry_once(services, fund_id, operation, key, action)
    return entry


async def post_entry_once(
    services: Services,
    fund_id: str,
    operation: str,
    key: str,
    action: Callable[[Fund, str, str], Entry | None],
) -> tuple[Entry, bool]:
    """`post_entry`, and whether this call posted the entry (False: an earlier one did)."""
    read = take_read(fund_id)
    # the entry id depends on the fund's id only, not on its state
    entry_id = (read or new_fund(fund_id)).entry_id(operation, key)
    if _may_be_in_journal(read, entry_id):
        earlier = await services.journal.get(entry_id)
        if earlier is not None:
            return earlier, False

    def job(fund: Fund) -> tuple[tuple[Entry | object, bool], bool]:
        """((the entry or _COPIED, posted by this job), the fund changed)"""
        waiting = fund.pending_entry(entry_id)
        if waiting is not None:  # an earlier request with this key, maybe in this very batch
            return (waiting, False), False
        if fund.has_posted(entry_id):  # posted since this request looked, and copied since
            return (_COPIED, False), False
        entry = action(fund, entry_id, key)
        return ((_COPIED, False), False) if entry is None else ((entry, True), True)

    result, posted = await services.writer.submit(fund_id, job, read)
    if result is _COPIED:
        copied = await services.journal.get(entry_id)
        if copied is None:  # the journal copier is between its copy and its clean-up
            raise busy(fund_id)
        return copied, False
    assert isinstance(result, Entry)
    return result, posted

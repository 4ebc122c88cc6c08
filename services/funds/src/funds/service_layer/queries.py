"""Reads: statements at a date, the journal, members' positions, the ledger check, summaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from funds.adapters.journal import merged
from funds.domain import accounts as acc
from funds.domain.bank_statement import TrustStatement, build_statement, check_period
from funds.domain.fund import CURRENCY, Fund
from funds.domain.ledger import Balances, Checkpoint, Entry, advance, differences, rebuild
from funds.service_layer.container import Services
from megp_common.clock import as_utc
from megp_common.mongo import Document


async def statement(services: Services, fund: Fund, at: datetime | None) -> Balances:
    """Balances as the fund holds them now, or as the journal makes them at `at`: from the
    fund's checkpoint when it is from before `at` (then only the entries after it are read)."""
    if at is None:
        return fund.all_balances()
    base = await services.journal.checkpoint(fund.id)
    return (await checkpoint_at(services, fund, at, base)).balances


async def checkpoint_at(
    services: Services, fund: Fund, at: datetime, base: Checkpoint | None
) -> Checkpoint:
    """The fund's checkpoint at `at`: `base` (when it is from at or before `at`) advanced by
    the entries after it, in the journal or still waiting in the fund (`fund` read before the
    journal, as every read here: an entry leaves the fund only once it is in the journal)."""
    if base is not None and base.at > at:
        base = None  # a checkpoint after `at` (a clock wound back) says nothing of before it
    after = base.upto_seq if base else 0
    stored = await services.journal.until(fund.id, at, after_seq=after)
    waiting = [e for e in fund.pending_entries if e.seq > after and e.posted_at <= at]
    return advance(base, merged(stored, waiting), at)


async def journal_page(
    services: Services, fund: Fund, after_seq: int, limit: int
) -> tuple[list[Entry], bool]:
    stored = await services.journal.page(fund.id, after_seq, limit + 1)
    waiting = [e for e in fund.pending_entries if e.seq > after_seq]
    entries = merged(stored, waiting)
    return entries[:limit], len(entries) > limit


@dataclass(frozen=True)
class LedgerCheck:
    entries: int
    consistent: bool
    differences: list[str]
    missing_sequence_numbers: list[int]


async def check_ledger(services: Services, fund: Fund) -> LedgerCheck:
    """Recompute every balance from the journal and compare with the fund's cached ones."""
    entries = merged(await services.journal.until(fund.id, None), fund.pending_entries)
    seqs = {e.seq for e in entries}
    missing = [n for n in range(1, fund.next_seq) if n not in seqs]
    diffs = differences(fund.all_balances(), rebuild(entries))
    return LedgerCheck(len(entries), not diffs and not missing, diffs, missing)


@dataclass
class StateTotals:
    state_code: str
    funds: int = 0
    trust_cash_cents: int = 0
    development_cents: int = 0
    competition_cents: int = 0
    temporary_to_return_cents: int = 0
    owed_by_borrowers_cents: int = 0


def totals_by_state(
    docs: list[Document], states: frozenset[str] | None, as_of: datetime | None = None
) -> list[StateTotals]:
    """`states` None: every state. Counted in code ($sum: 1 is not portable to FerretDB v1).
    `as_of`: only the funds opened by then (a clock wound back, as a test harness's can be,
    finds funds opened later: they are not today's; a month's snapshot counts the same way)."""
    out: dict[str, StateTotals] = {}
    for doc in docs:
        state, opened = doc.get("state"), doc.get("opened_at")
        if not state or opened is None or (states and state not in states):
            continue
        if as_of is not None and as_utc(opened) > as_of:
            continue
        row = out.setdefault(state, StateTotals(state))
        pesos: dict[str, int] = (doc.get("balances") or {}).get(CURRENCY, {})
        row.funds += 1
        row.trust_cash_cents += pesos.get(acc.TRUST_CASH, 0)
        row.development_cents += pesos.get(acc.DEVELOPMENT, 0)
        row.competition_cents += pesos.get(acc.COMPETITION, 0)
        row.temporary_to_return_cents += pesos.get(acc.TEMPORARY_TO_RETURN, 0)
        row.owed_by_borrowers_cents += pesos.get(acc.OWES_CONTROL, 0)
    return [out[k] for k in sorted(out)]


async def trust_statement(services: Services, fund: Fund, start: date, end: date) -> TrustStatement:
    """The fund's trust account for the period, from the whole journal (+ pending entries):
    the opening balance needs every movement before the period."""
    check_period(start, end)
    entries = merged(await services.journal.until(fund.id, None), fund.pending_entries)
    return build_statement(
        entries, fund_id=fund.id, trust_bank=fund.trust_bank, start=start, end=end
    )

"""The funds' month-end snapshots on the real store: a month is written once the clock has left
it, with the state's totals as the journal makes them at its last instant (a deposit of the next
month left out), equal to the by-state summary read at that instant; a tick with nothing due
writes nothing; writing again changes nothing, nor does a clock wound back and moved on again;
the history keeps to the caller's states."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from funds.adapters.journal import Journal, JournalCopier, ObligationArchive, merged
from funds.adapters.month_ends import MonthEnds
from funds.adapters.participants import ParticipantDirectory
from funds.adapters.reconciliations import ReconciliationRepository
from funds.adapters.repositories import FundRepository, SpendingRequestRepository
from funds.domain import deposits, opening
from funds.domain.fund import Fund, new_fund
from funds.domain.ledger import Entry, rebuild
from funds.domain.policy import FundPolicy
from funds.service_layer import month_ends, queries
from funds.service_layer.container import Services, post_entry
from megp_common.auth import Principal, Role
from megp_common.clock import SettableClock
from megp_common.errors import Forbidden, ValidationFailed
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter, make_client
from megp_common.testing.infra import Infra
from megp_common.web import IdempotencyStore

OPENED = datetime(2032, 1, 10, 12, tzinfo=UTC)
MEMBERS = [f"p-{i}" for i in range(4)]
NATIONAL = Principal("sup", frozenset({Role.PROGRAMME_SUPERVISOR}), frozenset({"*"}))
STATE_15 = Principal("sup15", frozenset({Role.PROGRAMME_SUPERVISOR}), frozenset({"15"}))


@dataclass
class Setup:
    services: Services
    clock: SettableClock
    funds: list[str]


@pytest.fixture
async def setup(infra: Infra) -> AsyncIterator[Setup]:
    client = make_client(infra.mongo)
    db = client[f"funds_months_{new_id()[-12:]}"]
    clock = SettableClock()
    clock.set(OPENED)
    outbox = OutboxWriter(service="funds", topic="funds.events", clock=clock)
    journal, archive = Journal(db), ObligationArchive(db)
    services = Services(
        funds=FundRepository(db, outbox, FundPolicy()),
        journal=journal,
        copier=JournalCopier(db, journal, 1.0, archive),
        participants=ParticipantDirectory(db),
        idempotency=IdempotencyStore(db["idempotency"], clock),
        clock=clock,
        policy=FundPolicy(),
        archive=archive,
        spending=SpendingRequestRepository(db, outbox),
        reconciliations=ReconciliationRepository(db),
        month_ends=MonthEnds(db),
    )
    ids = []
    for state in ("09", "09", "15"):
        fund = new_fund(f"g-{new_id()}")
        opening.open_fund(
            fund, odf_id="odf", name="Tejedoras", state=state, municipality="Centro",
            trust_bank="Banorte", members=MEMBERS, formed_at=OPENED, policy=FundPolicy(),
        )  # fmt: skip
        await services.funds.add(fund)
        ids.append(fund.id)
    try:
        yield Setup(services, clock, ids)
    finally:
        await client.drop_database(db.name)
        await client.close()


async def _deposit(s: Setup, fund_id: str, amount: str, at: datetime) -> Entry:
    s.clock.set(at)
    items = [deposits.Deposit(MEMBERS[0], Decimal(amount))]

    def action(f: Fund, eid: str, k: str) -> Entry | None:
        return deposits.record_deposits(f, eid, k, items, at, FundPolicy())

    return await post_entry(s.services, fund_id, "deposit", new_id(), action)


async def _today_by_state(s: Setup) -> list[queries.StateTotals]:
    return queries.totals_by_state(await s.services.funds.all_balances(), None)


async def test_each_month_is_written_once_ended_with_the_totals_at_its_end(setup: Setup) -> None:
    s = setup
    a, b, c = s.funds
    await _deposit(s, a, "100.00", datetime(2032, 1, 20, tzinfo=UTC))
    await _deposit(s, c, "40.00", datetime(2032, 1, 31, 23, 59, tzinfo=UTC))
    at_january_end = await _today_by_state(s)
    # nothing ended yet: the first run writes December (empty) so later ticks read one mark
    assert await month_ends.snapshot_due(s.services, datetime(2032, 1, 31, 23, 59, tzinfo=UTC))
    assert (
        await month_ends.snapshot_due(s.services, datetime(2032, 1, 31, 23, 59, tzinfo=UTC)) == []
    )
    # February's deposits come before the tick that sees January over (a clock that jumped)
    await _deposit(s, b, "70.00", datetime(2032, 2, 3, tzinfo=UTC))
    assert await month_ends.snapshot_due(s.services, datetime(2032, 2, 3, tzinfo=UTC)) == [
        "2032-01"
    ]
    assert await month_ends.snapshot_due(s.services, datetime(2032, 2, 20, tzinfo=UTC)) == []
    at_february_end = await _today_by_state(s)
    assert await month_ends.snapshot_due(s.services, datetime(2032, 3, 9, tzinfo=UTC)) == [
        "2032-02"
    ]

    s.clock.set(datetime(2032, 3, 9, tzinfo=UTC))
    found = await month_ends.history(s.services, NATIONAL, "2031-12", "2032-03", None)
    assert [m.month for m in found] == ["2031-12", "2032-01", "2032-02"]
    assert found[0].states == []
    assert found[1].states == at_january_end
    assert found[2].states == at_february_end
    jan_09 = found[1].states[0]
    assert (jan_09.state_code, jan_09.funds, jan_09.trust_cash_cents) == ("09", 2, 10000)
    assert found[2].total.trust_cash_cents == 10000 + 4000 + 7000
    assert found[2].total.state_code == "all"

    before = await s.services.month_ends.read(["2032-01", "2032-02"], {})
    # a clock wound back (a test harness) moves the mark back; passed again, the months are
    # written again from the journal, the same
    assert await month_ends.snapshot_due(s.services, datetime(2032, 1, 20, tzinfo=UTC)) == [
        "2031-12"
    ]
    assert await s.services.month_ends.written(["2032-01", "2032-02"]) == []
    assert await month_ends.snapshot_due(s.services, datetime(2032, 3, 9, tzinfo=UTC)) == [
        "2032-01",
        "2032-02",
    ]
    assert await s.services.month_ends.read(["2032-01", "2032-02"], {}) == before

    only_15 = await month_ends.history(s.services, STATE_15, "2032-01", "2032-02", None)
    assert [[r.state_code for r in m.states] for m in only_15] == [["15"], ["15"]]
    assert only_15[0].total.trust_cash_cents == 4000
    with pytest.raises(Forbidden):
        await month_ends.history(s.services, STATE_15, "2032-01", "2032-02", "09")
    with pytest.raises(ValidationFailed):
        await month_ends.history(s.services, NATIONAL, "2032-03", "2032-01", None)


async def test_a_month_end_advances_the_funds_checkpoint_and_statements_read_from_it(
    setup: Setup,
) -> None:
    """Each month end stores the fund's checkpoint; the next reads only the entries after it
    (copied to the journal or still waiting in the fund), and a statement at any instant gives
    what a rebuild from the whole journal gives."""
    s = setup
    a = s.funds[0]
    await month_ends.snapshot_due(s.services, datetime(2032, 1, 20, tzinfo=UTC))  # the mark
    for day in (12, 20, 28):
        await _deposit(s, a, "10.00", datetime(2032, 1, day, tzinfo=UTC))
    await s.services.copier.copy(a)  # January's entries into the journal
    await _deposit(s, a, "25.00", datetime(2032, 2, 2, tzinfo=UTC))  # still in the fund
    assert await month_ends.snapshot_due(s.services, datetime(2032, 2, 3, tzinfo=UTC)) == [
        "2032-01"
    ]
    january = await s.services.journal.checkpoint(a)
    assert january is not None
    assert january.at == datetime(2032, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)
    fund = await s.services.funds.find(a)
    assert fund is not None
    january_seqs = [e.seq for e in await s.services.journal.until(a, january.at)]
    assert january.upto_seq == max(january_seqs) and january.ahead == frozenset()
    assert january.balances["MXN"]["trust_cash"] == 3000

    await _deposit(s, a, "5.00", datetime(2032, 2, 27, tzinfo=UTC))
    asked: list[int] = []
    until = s.services.journal.until

    async def counted(fund_id: str, at: datetime | None, after_seq: int = 0) -> list[Entry]:
        found = await until(fund_id, at, after_seq)
        if fund_id == a:
            asked.append(after_seq)
            assert all(e.seq > january.upto_seq for e in found)
        return found

    s.services.journal.until = counted  # type: ignore[method-assign]
    assert await month_ends.snapshot_due(s.services, datetime(2032, 3, 1, tzinfo=UTC)) == [
        "2032-02"
    ]
    s.services.journal.until = until  # type: ignore[method-assign]
    assert asked == [january.upto_seq]  # February's entries only
    february = await s.services.journal.checkpoint(a)
    assert february is not None and february.upto_seq > january.upto_seq
    assert february.balances["MXN"]["trust_cash"] == 3000 + 2500 + 500

    fund = await s.services.funds.find(a)
    assert fund is not None
    everything = await s.services.journal.until(a, None)
    for at in (
        datetime(2032, 1, 15, tzinfo=UTC),  # before the checkpoint: from the journal's start
        datetime(2032, 2, 10, tzinfo=UTC),
        datetime(2032, 3, 1, tzinfo=UTC),
    ):
        whole = rebuild(e for e in merged(everything, fund.pending_entries) if e.posted_at <= at)
        assert await queries.statement(s.services, fund, at) == whole

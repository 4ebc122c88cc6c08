"""The members' and borrowers' own memo accounts live in the fund's parts (kind `memos`), not
in the fund document, against the real store: a deposit writes the one member's record, the
fund document keeps the balance sheet and the control accounts, the copier moves the records
beside the fund (twice after a crash, harmlessly; a late copier of another process does not
undo a later commit's record), every balance is still what the journal makes, a document
written before they moved out is read whole and moved out by its first commit, and a read
never answers records newer than the fund document it took."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import pytest
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from funds.adapters.journal import Journal, JournalCopier, ObligationArchive
from funds.adapters.repositories import FUND_PARTS, PARTS_PENDING, PARTS_UPTO, FundRepository
from funds.domain import accounts as acc
from funds.domain.deposits import Deposit, record_deposits
from funds.domain.fund import Fund
from funds.domain.inflows import record_contribution
from funds.domain.ledger import rebuild, without_zeros
from funds.domain.policy import FundPolicy
from funds.domain.repayments import Instalment, instalment_due
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import Document, OutboxWriter, make_client, unpack
from megp_common.testing.infra import Infra

from ..unit.helpers import OPENED, POLICY, grant, opened_fund

MEMBERS = [f"p{i:03}" for i in range(200)]


@pytest.fixture
async def db(infra: Infra) -> AsyncIterator[AsyncDatabase[Document]]:
    client = make_client(infra.mongo)
    database = client[f"funds_memos_{new_id()[-12:]}"]
    try:
        yield database
    finally:
        await client.drop_database(database.name)
        await client.close()


def _repo(db: AsyncDatabase[Document]) -> FundRepository:
    outbox = OutboxWriter(service="funds", topic="funds.events", clock=SettableClock())
    return FundRepository(db, outbox, FundPolicy())


def _personal(balances: Document) -> list[str]:
    return [a for accounts in balances.values() for a in accounts if acc.person_of(a)]


async def _every_balance_as_the_journal_makes_it(db: AsyncDatabase[Document], fund: Fund) -> None:
    stored = await Journal(db).until(fund.id, None)
    assert without_zeros(fund.all_balances()) == without_zeros(
        rebuild([*stored, *fund.pending_entries])
    )


async def test_a_deposit_writes_one_members_memo_record_and_the_fund_keeps_the_controls(
    db: AsyncDatabase[Document],
) -> None:
    funds = _repo(db)
    copier = JournalCopier(db, Journal(db), archive=ObligationArchive(db))
    fund = opened_fund(members=MEMBERS)
    fund.id = fund.group_id = f"g-{new_id()}"
    record_contribution(fund, "g", "g", grant("100000"), OPENED, POLICY)
    sheet = [Deposit(p, Decimal("10")) for p in MEMBERS]
    record_deposits(fund, "sheet-1", "sheet-1", sheet, OPENED, POLICY)
    due = Instalment("loan-1", 1, "participant", "p003", OPENED.date(), Decimal("70"), Decimal(0))
    instalment_due(fund, due, OPENED, POLICY)
    await funds.add(fund)
    raw = await db["funds"].find_one({"_id": fund.id})
    assert raw is not None and _personal(raw["balances"]) == []
    assert raw["balances"]["MXN"][acc.CONTRIBUTIONS_CONTROL] == 200 * 1000
    assert raw["balances"]["MXN"][acc.OWES_CONTROL] == 7000
    assert len(raw["balances"]["MXN"]) <= 10  # the balance sheet and the controls only
    await copier.copy(fund.id)
    parts = await db[FUND_PARTS].find_one({"_id": fund.id})
    assert parts is not None
    memos = unpack(parts["memos"], db[FUND_PARTS].codec_options)
    assert len(memos) == 200
    assert memos["p003"]["balances"]["MXN"] == {
        acc.member_contributions("p003"): 1000,
        acc.borrower_owes("p003"): 7000,
    }

    loaded = await funds.get(fund.id)
    assert loaded.all_balances() == fund.all_balances()
    record_deposits(loaded, "d-1", "d-1", [Deposit("p007", Decimal("40"))], OPENED, POLICY)
    await funds.save(loaded)
    raw = await db["funds"].find_one({"_id": fund.id})
    assert raw is not None and _personal(raw["balances"]) == []
    (chunk,) = [unpack(b, db["funds"].codec_options) for b in raw[PARTS_PENDING]]
    assert chunk["changes"] == [
        {
            "f": "memos",
            "k": "p007",
            "v": {"person_id": "p007", "balances": {"MXN": {"member_contributions:p007": 5000}}},
        }
    ]
    view = await funds.find_view(fund.id)  # before the copier ran: the change is seen
    assert view is not None and view.balance(acc.member_contributions("p007")) == 5000
    # the crash: the copier applied the chunk and died before its pull; the next copy finds
    # it held by the parts (its commit not later than their upto) and pulls it
    await copier._apply_parts(fund.id, raw[PARTS_PENDING])
    await copier.copy(fund.id)
    again = await funds.get(fund.id)
    assert again.balance(acc.member_contributions("p007")) == 5000
    assert again.balance(acc.CONTRIBUTIONS_CONTROL) == sum(
        again.balance(acc.member_contributions(p)) for p in MEMBERS
    )
    await _every_balance_as_the_journal_makes_it(db, again)


async def test_a_document_with_the_memo_accounts_in_its_balances_is_moved_out_by_its_commit(
    db: AsyncDatabase[Document],
) -> None:
    funds = _repo(db)
    fund = opened_fund(members=MEMBERS[:3])
    fund.id = fund.group_id = f"g-{new_id()}"
    sheet = [Deposit(p, Decimal("10")) for p in MEMBERS[:3]]
    record_deposits(fund, "sheet-1", "sheet-1", sheet, OPENED, POLICY)
    await funds.add(fund)
    copier = JournalCopier(db, Journal(db), archive=ObligationArchive(db))
    await copier.copy(fund.id)
    # as an older version wrote it: every account in `balances`, no memo records
    await db["funds"].update_one({"_id": fund.id}, {"$set": {"balances": fund.all_balances()}})
    await db[FUND_PARTS].update_one({"_id": fund.id}, {"$unset": {"memos": ""}})
    other = _repo(db)  # a process with no copy of the parts
    assert (await other.get(fund.id)).memos.keys() == set(MEMBERS[:3])
    old = await _repo(db).get(fund.id)
    assert old.memos.keys() == set(MEMBERS[:3]) and _personal(old.balances) == []
    assert old.balance(acc.member_contributions("p001")) == 1000
    record_deposits(old, "d-1", "d-1", [Deposit("p001", Decimal("5"))], OPENED, POLICY)
    await funds.save(old)
    raw = await db["funds"].find_one({"_id": fund.id})
    assert raw is not None and _personal(raw["balances"]) == []
    await copier.copy(fund.id)
    moved = await _repo(db).get(fund.id)
    assert moved.balance(acc.member_contributions("p001")) == 1500
    assert moved.balance(acc.member_contributions("p002")) == 1000
    await _every_balance_as_the_journal_makes_it(db, moved)


class _FirstReadStale:
    """The funds collection, whose first `find_one` answers a document read earlier (as a
    reader that took the fund just before a commit and the copier's move)."""

    def __init__(self, col: AsyncCollection[Document], stale: Document) -> None:
        self.col, self.stale, self.reads = col, stale, 0

    async def find_one(self, *args: Any, **kwargs: Any) -> Document | None:
        self.reads += 1
        if self.reads == 1:
            return self.stale
        return await self.col.find_one(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.col, name)


async def test_a_read_that_finds_parts_newer_than_its_fund_takes_the_fund_again(
    db: AsyncDatabase[Document],
) -> None:
    funds = _repo(db)
    copier = JournalCopier(db, Journal(db), archive=ObligationArchive(db))
    fund = opened_fund(members=MEMBERS[:3])
    fund.id = fund.group_id = f"g-{new_id()}"
    record_deposits(fund, "s", "s", [Deposit(p, Decimal("10")) for p in MEMBERS[:3]], OPENED,
                    POLICY)  # fmt: skip
    await funds.add(fund)
    await copier.copy(fund.id)
    stale = await db["funds"].find_one({"_id": fund.id})
    assert stale is not None and stale["version"] == 1
    loaded = await funds.get(fund.id)
    record_deposits(loaded, "d", "d", [Deposit("p001", Decimal("40"))], OPENED, POLICY)
    await funds.save(loaded)
    await copier.copy(fund.id)  # the parts now hold version 2's change
    parts = await db[FUND_PARTS].find_one({"_id": fund.id})
    assert parts is not None and parts[PARTS_UPTO] == 2

    reader = _repo(db)
    wrapped = _FirstReadStale(db["funds"], stale)
    reader.__dict__["_col"] = wrapped
    with patch.object(FundRepository, "col", property(lambda self: self.__dict__["_col"])):
        view = await reader.find_view(fund.id)
    assert wrapped.reads == 2  # the stale document, then the fund again
    assert view is not None and view.version == 2
    assert view.balance(acc.member_contributions("p001")) == 5000
    assert view.balance(acc.CONTRIBUTIONS_CONTROL) == 5000 + 1000 + 1000


class _ReadThen(Journal):
    """A journal whose first insert (the copier has read the fund, not yet applied its parts
    chunks) first lets `meanwhile` run: another process commits and its copier moves it all."""

    def __init__(self, db: AsyncDatabase[Document], meanwhile: Any) -> None:
        super().__init__(db)
        self.meanwhile: Any = meanwhile

    async def insert(self, docs: list[Document]) -> None:
        if self.meanwhile is not None:
            run, self.meanwhile = self.meanwhile, None
            await run()
        await super().insert(docs)


async def test_a_copier_late_with_an_older_chunk_does_not_undo_a_newer_one_another_applied(
    db: AsyncDatabase[Document],
) -> None:
    """Two processes, each its own copier: A's copier reads the fund holding the chunk of
    commit 2 and is slow; B commits 3 (the same member's record again) and B's copier applies
    chunks 2 and 3 and pulls them; then A's copier applies its chunk 2. The parts keep the
    record as commit 3 left it, and the member's memo account is what the journal makes."""
    a, b = _repo(db), _repo(db)
    fund = opened_fund(members=MEMBERS[:3])
    fund.id = fund.group_id = f"g-{new_id()}"
    record_deposits(fund, "s", "s", [Deposit(p, Decimal("10")) for p in MEMBERS[:3]], OPENED,
                    POLICY)  # fmt: skip
    await a.add(fund)
    copier_b = JournalCopier(db, Journal(db), archive=ObligationArchive(db))
    await copier_b.copy(fund.id)
    loaded = await a.get(fund.id)
    record_deposits(loaded, "d-2", "d-2", [Deposit("p001", Decimal("40"))], OPENED, POLICY)
    await a.save(loaded)  # commit 2

    async def b_commits_and_copies() -> None:
        other = await b.get(fund.id)
        record_deposits(other, "d-3", "d-3", [Deposit("p001", Decimal("20"))], OPENED, POLICY)
        await b.save(other)  # commit 3
        await copier_b.copy(fund.id)

    copier_a = JournalCopier(db, _ReadThen(db, b_commits_and_copies), archive=ObligationArchive(db))
    await copier_a.copy(fund.id)
    raw = await db["funds"].find_one({"_id": fund.id})
    assert raw is not None and raw["version"] == 3 and not raw.get(PARTS_PENDING)
    parts = await db[FUND_PARTS].find_one({"_id": fund.id})
    assert parts is not None
    memos = unpack(parts["memos"], db[FUND_PARTS].codec_options)
    assert memos["p001"]["balances"]["MXN"][acc.member_contributions("p001")] == 7000
    read = await _repo(db).get(fund.id)  # a third process, no copy of the parts
    assert read.balance(acc.member_contributions("p001")) == 7000
    await _every_balance_as_the_journal_makes_it(db, read)

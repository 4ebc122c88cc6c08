"""A fund's id memories (consumed events, posted entries, closed obligations) and its keyed
records (members, obligations, debts, scheduled instalments, temporary contributions) live
beside the fund, against the real store: a commit writes only the ids it added and the records
it changed, the copier moves them to the fund's memory and parts documents, a read merges both,
a copy interrupted before its pull is read once, the memory document is compacted, and a fund
read without them cannot commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import bson
import pytest
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from funds.adapters.journal import MEMORY_COMPACT_AT, Journal, JournalCopier, ObligationArchive
from funds.adapters.repositories import (
    FUND_MEMORY,
    FUND_PARTS,
    MEMORY_PENDING,
    PARTS_PENDING,
    FundRepository,
)
from funds.domain.deposits import Deposit, PeriodResult, create_obligations, record_deposits
from funds.domain.fund import Fund
from funds.domain.policy import FundPolicy
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import PACKED, Document, OutboxWriter, make_client, pack, unpack
from megp_common.testing.infra import Infra

from ..unit.helpers import OPENED, POLICY, opened_fund

MEMBERS = [f"p{i:03}" for i in range(200)]


@pytest.fixture
async def db(infra: Infra) -> AsyncIterator[AsyncDatabase[Document]]:
    client = make_client(infra.mongo)
    database = client[f"funds_memory_{new_id()[-12:]}"]
    try:
        yield database
    finally:
        await client.drop_database(database.name)
        await client.close()


def _repo(db: AsyncDatabase[Document]) -> FundRepository:
    outbox = OutboxWriter(service="funds", topic="funds.events", clock=SettableClock())
    return FundRepository(db, outbox, FundPolicy())


def _deposit(fund: Fund, n: int) -> None:
    record_deposits(
        fund,
        f"e-{fund.id}-{n}",
        f"k-{n}",
        [Deposit(MEMBERS[n % 200], Decimal("10"))],
        OPENED,
        POLICY,
    )


async def _new_fund(funds: FundRepository) -> Fund:
    fund = opened_fund(members=MEMBERS)
    fund.id = fund.group_id = f"g-{new_id()}"
    fund.applied = [f"ev-old-{i}" for i in range(900)]
    fund.recent_entry_ids = [f"en-old-{i}" for i in range(1900)]
    await funds.add(fund)
    return fund


async def test_a_commit_writes_the_ids_it_added_and_the_copier_moves_them_beside_the_fund(
    db: AsyncDatabase[Document],
) -> None:
    funds = _repo(db)
    copier = JournalCopier(db, Journal(db), archive=ObligationArchive(db))
    fund = await _new_fund(funds)
    raw = await db["funds"].find_one({"_id": fund.id})
    assert raw is not None
    # the memory is nowhere in the fund's own state, only in the chunk waiting for the copier
    packed = unpack(raw[PACKED], db["funds"].codec_options)
    assert not {"applied", "recent_entry_ids", "closed_obligations"} & (packed.keys() | raw.keys())
    assert len(raw[MEMORY_PENDING]) == 1
    await copier.copy(fund.id)

    loaded = await funds.get(fund.id)
    assert loaded.applied == fund.applied and loaded.recent_entry_ids == fund.recent_entry_ids
    before = len(bson.encode(raw))
    _deposit(loaded, 1)
    loaded.mark_applied("ev-new")
    await funds.save(loaded)
    raw = await db["funds"].find_one({"_id": fund.id})
    assert raw is not None and len(raw[MEMORY_PENDING]) == 1
    chunk = unpack(raw[MEMORY_PENDING][0], db["funds"].codec_options)
    assert chunk == {"applied": ["ev-new"], "recent_entry_ids": [f"e-{fund.id}-1"]}
    # the 2,800 ids are no longer in the document a commit rewrites
    assert len(bson.encode(raw)) < before / 2

    again = await funds.get(fund.id)  # the new ids wait in the fund, the old beside it
    assert again.has_applied("ev-new") and again.has_applied("ev-old-0")
    assert again.has_posted(f"e-{fund.id}-1") and again.has_posted("en-old-0")
    await copier.copy(fund.id)
    raw = await db["funds"].find_one({"_id": fund.id})
    assert raw is not None and raw[MEMORY_PENDING] == []
    moved = await funds.get(fund.id)
    assert moved.applied == [*fund.applied, "ev-new"]
    assert moved.recent_entry_ids == [*fund.recent_entry_ids, f"e-{fund.id}-1"]


async def test_a_copy_interrupted_before_its_pull_is_read_once_and_copied_again_harmlessly(
    db: AsyncDatabase[Document],
) -> None:
    funds = _repo(db)
    copier = JournalCopier(db, Journal(db), archive=ObligationArchive(db))
    fund = await _new_fund(funds)
    raw = await db["funds"].find_one({"_id": fund.id})
    assert raw is not None
    # the crash: the chunks reached the memory document, the pull from the fund never ran
    await db[FUND_MEMORY].update_one(
        {"_id": fund.id}, {"$push": {"chunks": {"$each": raw[MEMORY_PENDING]}}}, upsert=True
    )
    loaded = await funds.get(fund.id)
    assert loaded.applied == fund.applied and loaded.recent_entry_ids == fund.recent_entry_ids
    await copier.copy(fund.id)  # after the restart: appended again, then pulled
    memory = await db[FUND_MEMORY].find_one({"_id": fund.id})
    assert memory is not None and len(memory["chunks"]) == 2
    assert (await funds.get(fund.id)).applied == fund.applied


async def test_the_memory_document_is_compacted_to_what_a_fund_remembers(
    db: AsyncDatabase[Document],
) -> None:
    funds = _repo(db)
    copier = JournalCopier(db, Journal(db), archive=ObligationArchive(db))
    fund = await _new_fund(funds)
    await copier.copy(fund.id)
    for n in range(2 * MEMORY_COMPACT_AT + 10):
        current = await funds.get(fund.id)
        _deposit(current, n)
        await funds.save(current)
        await copier.copy(fund.id)
    memory = await db[FUND_MEMORY].find_one({"_id": fund.id})
    assert memory is not None and len(memory["chunks"]) < MEMORY_COMPACT_AT
    last = await funds.get(fund.id)
    # 1,900 old ids and 138 new ones: compacted to the last 2,000, and what came since
    assert 2000 <= len(last.recent_entry_ids) < 2000 + MEMORY_COMPACT_AT
    assert last.recent_entry_ids[-1] == f"e-{fund.id}-{2 * MEMORY_COMPACT_AT + 9}"
    assert not last.has_posted("en-old-0") and last.has_posted("en-old-1899")
    assert last.applied == fund.applied


async def test_a_fund_read_without_its_memory_cannot_commit_and_an_old_document_moves_it_out(
    db: AsyncDatabase[Document],
) -> None:
    funds = _repo(db)
    fund = await _new_fund(funds)
    (partial,) = await funds.find_many({"_id": fund.id})
    assert partial.stored_memory is None
    with pytest.raises(RuntimeError, match="memory"):
        await funds.save(partial)

    # a document written before the memory had its own place: the ids inside `packed`
    codec = db["funds"].codec_options
    old = f"g-{new_id()}"
    state = {"applied": ["ev-a"], "recent_entry_ids": ["en-a"], "closed_obligations": ["o-a"]}
    raw = await db["funds"].find_one({"_id": fund.id})
    assert raw is not None
    inner = unpack(raw[PACKED], codec) | state
    await db["funds"].insert_one(
        {**raw, "_id": old, "group_id": old, PACKED: pack(inner), MEMORY_PENDING: []}
    )
    legacy = await funds.get(old)
    assert legacy.has_applied("ev-a") and legacy.has_posted("en-a")
    await funds.save(legacy)  # the first commit moves them into a chunk
    await JournalCopier(db, Journal(db), archive=ObligationArchive(db)).copy(old)
    moved = await funds.get(old)
    assert moved.applied == ["ev-a"] and moved.closed_obligations == ["o-a"]
    assert moved.recent_entry_ids == ["en-a"]


async def test_a_deposit_writes_the_obligation_it_settles_and_the_parts_follow_it(
    db: AsyncDatabase[Document],
) -> None:
    funds = _repo(db)
    copier = JournalCopier(db, Journal(db), archive=ObligationArchive(db))
    fund = opened_fund(members=MEMBERS)
    fund.id = fund.group_id = f"g-{new_id()}"
    start = OPENED.date().replace(day=1)
    end = start.replace(day=28)
    results = [PeriodResult(f"r-{p}", p, start, end, Decimal("100")) for p in MEMBERS]
    create_obligations(fund, results, POLICY)
    await funds.add(fund)
    await copier.copy(fund.id)
    raw = await db["funds"].find_one({"_id": fund.id})
    assert raw is not None and raw[PARTS_PENDING] == [] and "obligations" not in raw
    assert not {"members", "obligations"} & unpack(raw[PACKED], db["funds"].codec_options).keys()

    loaded = await funds.get(fund.id)
    assert len(loaded.obligations) == 200 and set(loaded.members) == set(MEMBERS)
    record_deposits(loaded, "d-1", "d-1", [Deposit("p007", Decimal("40"))], OPENED, POLICY)
    await funds.save(loaded)
    raw = await db["funds"].find_one({"_id": fund.id})
    assert raw is not None
    (chunk,) = [unpack(b, db["funds"].codec_options) for b in raw[PARTS_PENDING]]
    assert [(c["f"], c["k"]) for c in chunk["changes"]] == [
        ("obligations", "r-p007"),
        ("memos", "p007"),
    ]
    assert chunk["changes"][0]["v"]["settled_cents"] == 4000
    # the whole fund document a deposit rewrites, members and obligations elsewhere (less the
    # outbox, which the relay, not running here, clears within a second)
    assert len(bson.encode({k: v for k, v in raw.items() if k != "outbox"})) < 2000

    view = await funds.find_view(fund.id)  # read before the copier ran: the change is seen
    assert view is not None and view.obligations["r-p007"].settled_cents == 4000
    # the crash: the copier applied the chunk and died before its pull
    await copier._apply_parts(fund.id, raw[PARTS_PENDING])
    assert (await funds.get(fund.id)).obligations["r-p007"].settled_cents == 4000
    await copier.copy(fund.id)  # found held by the parts (not applied again), then pulled
    again = await funds.get(fund.id)
    assert again.obligations["r-p007"].settled_cents == 4000 and len(again.obligations) == 200

    record_deposits(again, "d-2", "d-2", [Deposit("p007", Decimal("60"))], OPENED, POLICY)
    await funds.save(again)  # settled: the obligation leaves for the archive
    await copier.copy(fund.id)
    parts = await db[FUND_PARTS].find_one({"_id": fund.id})
    memory = await db[FUND_MEMORY].find_one({"_id": fund.id})
    raw = await db["funds"].find_one({"_id": fund.id})
    assert parts is not None and memory is not None and raw is not None
    # the fund names the side versions that hold what left it (a reader's cached copy of
    # that version is then current enough)
    assert (raw["parts_v"], raw["memory_v"]) == (parts["v"], memory["v"])
    held = unpack(parts["obligations"], db[FUND_PARTS].codec_options)
    assert "r-p007" not in held and len(held) == 199
    last = await funds.get(fund.id)
    assert "r-p007" not in last.obligations and last.knows_obligation("r-p007")


class _Reads(monitoring.CommandListener):
    """The collections this client read, in order."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find":
            self.found.append(str(event.command["find"]))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_after_this_process_copier_moved_a_fund_a_read_is_one_store_read(
    db: AsyncDatabase[Document], infra: Infra
) -> None:
    reads = _Reads()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        infra.mongo, tz_aware=True, uuidRepresentation="standard", event_listeners=[reads]
    )
    try:
        counted = client[db.name]
        funds = _repo(counted)
        copier = JournalCopier(
            counted,
            Journal(counted),
            archive=ObligationArchive(counted),
            written=funds.side_written,
        )
        fund = opened_fund(members=MEMBERS)
        fund.id = fund.group_id = f"g-{new_id()}"
        start = OPENED.date().replace(day=1)
        results = [
            PeriodResult(f"r-{p}", p, start, start.replace(day=28), Decimal("100")) for p in MEMBERS
        ]
        create_obligations(fund, results, POLICY)
        await funds.add(fund)
        for n in range(3):  # the memory and the parts both change, and are moved each time
            current = await funds.get(fund.id)
            record_deposits(
                current, f"d-{n}", f"d-{n}", [Deposit("p007", Decimal("30"))], OPENED, POLICY
            )
            await funds.save(current)
            await copier.copy(fund.id)
            reads.found.clear()
            mine = await funds.get(fund.id)
            assert reads.found == ["funds"]  # the side documents as the copier left them
            fresh = await _repo(db).get(fund.id)  # another process reads them from the store
            assert mine.model_dump() == fresh.model_dump()
            assert mine.stored_parts == fresh.stored_parts
            assert mine.stored_memory == fresh.stored_memory
        assert mine.obligations["r-p007"].settled_cents == 9000
    finally:
        await client.close()


async def test_the_side_documents_kept_decoded_are_bounded_by_their_size_not_their_count(
    db: AsyncDatabase[Document],
) -> None:
    """Each fund's parts and memory, read once moved out, are kept decoded for the next read;
    what is kept stays within the byte budget (the least recently read dropped first), and a
    fund dropped from it is read again from the store, whole."""
    funds = _repo(db)
    copier = JournalCopier(db, Journal(db), archive=ObligationArchive(db))
    ids = []
    for _ in range(4):
        fund = await _new_fund(funds)
        _deposit(fund, 1)
        await funds.save(fund)
        await copier.copy(fund.id)
        ids.append(fund.id)
    fresh = _repo(db)  # nothing kept yet
    one = await fresh.find(ids[0])
    assert one is not None
    count, held = fresh.sides_held()
    assert count == 2 and held > 0  # its parts and its memory
    # room for about two funds' side documents
    fresh._sides.budget = held * 2 + held // 2
    for fund_id in ids[1:]:
        assert await fresh.find(fund_id) is not None
        assert fresh.sides_held()[1] <= fresh._sides.budget
    assert fresh.sides_held()[0] < 2 * len(ids)
    again = await fresh.find(ids[0])  # dropped: read from the store again
    assert again is not None and again.members == one.members and again.applied == one.applied

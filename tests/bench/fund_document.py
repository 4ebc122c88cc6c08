"""What one member's deposit writes to a mature fund, against the real store.

A 200-member fund in its fourth year (its id memories full: 1,000 consumed events, 2,000
posted entries, 1,000 closed obligations; 300 open obligations, 40 borrowers' debts and
scheduled instalments) takes `--deposits` single-member deposits, each read, posted and
committed by the funds repository on its own (the HTTP writer would batch concurrent ones), with
the journal copier run (and the outbox cleared, as the relay would) every `--copy-every`
commits, as their 1 s windows would. Printed: the bytes
of the update commands sent to the store per deposit, the fund document's size (FerretDB
rewrites the whole document on every update), the id-memory document's size, and deposits/s.
A measurement, not an assertion:

    uv run --frozen python tests/bench/fund_document.py --deposits 300
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import bson
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from funds.adapters.journal import Journal, JournalCopier, ObligationArchive
from funds.adapters.repositories import FundRepository
from funds.domain.deposits import Deposit, PeriodResult, create_obligations, record_deposits
from funds.domain.fund import Fund, new_fund
from funds.domain.opening import open_fund
from funds.domain.policy import FundPolicy
from funds.domain.records import BorrowerDebt, ScheduledInstalment
from megp_common.clock import SettableClock
from megp_common.mongo import OUTBOX_FLAG, Document, OutboxWriter
from megp_common.testing.infra import provide_infra

POLICY = FundPolicy()
OPENED = datetime(2030, 1, 15, 12, tzinfo=UTC)


class Written(monitoring.CommandListener):
    """Bytes of the write commands sent to the store, per collection; and the reads."""

    def __init__(self) -> None:
        self.bytes: dict[str, int] = {}
        self.count: dict[str, int] = {}
        self.reads: dict[str, int] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find":
            target = str(event.command.get("find"))
            self.reads[target] = self.reads.get(target, 0) + 1
            return
        if event.command_name not in {"update", "insert", "findAndModify"}:
            return
        target = str(event.command.get(event.command_name))
        size = len(bson.encode(event.command))  # the updates or documents it carries included
        self.bytes[target] = self.bytes.get(target, 0) + size
        self.count[target] = self.count.get(target, 0) + 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def mature_fund(fund_id: str) -> tuple[Fund, list[str]]:
    members = [f"p-{uuid.uuid4().hex[:16]}" for _ in range(200)]
    fund = new_fund(fund_id)
    open_fund(
        fund, odf_id="odf-bench", name="Bench", state="09", municipality="Coyoacán",
        trust_bank="Banorte", members=members, formed_at=OPENED, policy=POLICY,
    )  # fmt: skip
    start = date(2033, 1, 1)
    end = start + timedelta(days=27)
    results = [
        PeriodResult(str(uuid.uuid4()), members[i % 200], start, end, Decimal("50"))
        for i in range(300)
    ]
    create_obligations(fund, results, POLICY)
    record_deposits(
        fund, "sheet-0", "sheet-0", [Deposit(p, Decimal("1")) for p in members], OPENED, POLICY
    )
    fund.applied = [str(uuid.uuid4()) for _ in range(1000)]
    fund.recent_entry_ids = [str(uuid.uuid4()) for _ in range(1999)] + ["sheet-0"]
    fund.closed_obligations = [str(uuid.uuid4()) for _ in range(1000)]
    for p in members[:40]:
        fund.debts[p] = BorrowerDebt(borrower_id=p, borrower_kind="participant", owed_cents=1)
        key = str(uuid.uuid4())
        fund.scheduled[key] = ScheduledInstalment(
            key=key, loan_id=key, installment_number=3, borrower_kind="participant",
            borrower_id=p, due_on=date(2034, 1, 1), principal_cents=1, interest_cents=1,
        )  # fmt: skip
    fund.clear_pending()
    return fund, members


async def clear_outbox(db: AsyncDatabase[Document], fund_id: str) -> None:
    """What the outbox relay's clearing write does once it published (no relay runs here)."""
    await db["funds"].update_one(
        {"_id": fund_id}, {"$set": {"outbox": []}, "$unset": {OUTBOX_FLAG: ""}}
    )


async def measure(mongo: str, deposits: int, copy_every: int) -> dict[str, Any]:
    written = Written()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        mongo, tz_aware=True, uuidRepresentation="standard", event_listeners=[written]
    )
    db = client[f"bench_fund_document_{uuid.uuid4().hex[:8]}"]
    try:
        outbox = OutboxWriter(service="funds", topic="funds.events", clock=SettableClock())
        funds = FundRepository(db, outbox, POLICY)
        copier = JournalCopier(
            db, Journal(db), archive=ObligationArchive(db), written=funds.side_written
        )
        fund, members = mature_fund(f"g-bench-{uuid.uuid4().hex[:10]}")
        await funds.add(fund)
        await copier.copy(fund.id)
        await clear_outbox(db, fund.id)
        written.bytes.clear()
        written.count.clear()
        written.reads.clear()
        began = time.perf_counter()
        for n in range(deposits):
            current = await funds.get(fund.id)
            line = [Deposit(members[n % 200], Decimal("10"))]
            record_deposits(current, f"d-{n}", f"d-{n}", line, OPENED, POLICY)
            await funds.save(current)
            if (n + 1) % copy_every == 0:
                await copier.copy(fund.id)
                await clear_outbox(db, fund.id)
        elapsed = time.perf_counter() - began
        await copier.copy(fund.id)
        raw = await db["funds"].find_one({"_id": fund.id})
        memory = await db["fund_memory"].find_one({"_id": fund.id})
        return {
            "deposits": deposits,
            "deposits_per_s": deposits / elapsed,
            "update_bytes_per_deposit": {k: v / deposits for k, v in written.bytes.items()},
            "writes_per_deposit": {k: v / deposits for k, v in written.count.items()},
            "reads_per_deposit": {k: v / deposits for k, v in written.reads.items()},
            "fund_document_bytes": len(bson.encode(raw or {})),
            "memory_document_bytes": len(bson.encode(memory)) if memory else 0,
        }
    finally:
        await client.drop_database(db.name)
        await client.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deposits", type=int, default=300)
    parser.add_argument("--copy-every", type=int, default=10)
    args = parser.parse_args()
    with provide_infra() as infra:
        result = await measure(infra.mongo, args.deposits, args.copy_every)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())

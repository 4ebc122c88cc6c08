"""The scheduler's tick over filings against the real store: it finds only the filings whose
day came (`wake_on`), announces a reminder and a miss once each (the outbox written in the same
commit as the deadline's record), finds nothing more on a second tick the same day, and two
ticks racing on one filing announce once (the version check lets one commit)."""

from __future__ import annotations

import asyncio
from datetime import date

from pymongo.asynchronous.database import AsyncDatabase

from ip_counsel.domain.filings import Filing
from ip_counsel.service_layer.scheduler import due_filings
from megp_common.mongo import Document, outbox_entries

from .conftest import SETTINGS, Store

FILED = date(2045, 1, 10)


def filed(filing_id: str, on: date = FILED) -> Filing:
    rules = SETTINGS.filing_rules
    f = Filing.draft(
        id=filing_id,
        disclosure_id=f"d-{filing_id}",
        filing_type="patent",
        rule=rules.rule_for("patent"),
        reminder_days=rules.reminder_days,
        inventors=["p-1"],
        disclosure_recorded_on=on,
        today=on,
        group_id="g-1",
        state="09",
    )
    f.submit(f"MX/a/{on.year}/{filing_id}", on, on)
    return f


async def announced(db: AsyncDatabase[Document], filing_id: str) -> list[str]:
    doc = await db["filings"].find_one({"_id": filing_id})
    assert doc is not None
    return [e["type"].rsplit(".", 1)[1] for e in outbox_entries(doc)]


async def test_a_tick_announces_each_reminder_and_miss_once_and_then_finds_nothing(
    store: Store,
) -> None:
    s = store.services
    await s.filings.add(filed("f-1"))
    await s.filings.add(filed("f-2", date(2045, 6, 1)))  # its reminders come later
    assert await due_filings(s, date(2045, 10, 11)) == 0  # the day before the first reminder
    assert await due_filings(s, date(2045, 10, 13)) == 1
    assert await due_filings(s, date(2045, 10, 13)) == 0  # again that day: nothing is due
    first = await announced(store.db, "f-1")
    assert first.count("DeadlineReminderDue") == 1
    assert "DeadlineReminderDue" not in await announced(store.db, "f-2")
    # past the due date: the miss is announced, no stale reminder about a deadline now missed
    assert await due_filings(s, date(2046, 1, 11)) == 1
    assert await due_filings(s, date(2046, 1, 11)) == 0
    after = await announced(store.db, "f-1")
    assert after.count("DeadlineReminderDue") == 1 and after.count("DeadlineMissed") == 1
    stored = await s.filings.get("f-1")
    assert stored.deadline("priority").outcome.value == "missed"
    assert stored.wake_on() is None
    doc = await store.db["filings"].find_one({"_id": "f-1"})
    assert doc is not None and doc["wake_on"] is None and doc["next_due_on"] is None


async def test_two_ticks_racing_on_one_filing_announce_once(store: Store) -> None:
    await store.services.filings.add(filed("f-3"))
    others = [store.another() for _ in range(3)]
    saved = await asyncio.gather(
        due_filings(store.services, date(2045, 10, 13)),
        *(due_filings(o, date(2045, 10, 13)) for o in others),
    )
    assert sum(saved) == 1
    assert (await announced(store.db, "f-3")).count("DeadlineReminderDue") == 1
    assert (await store.services.filings.get("f-3")).version == 2

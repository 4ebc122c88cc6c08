"""Months for the reports kept over time: what a month is on the wire (`YYYY-MM`), its last
instant, which whole months a clock has left behind, and the bounded range a caller may ask for.

Funds and credit keep one small document per state for each month that ended (their month-end
snapshots, written by their scheduler); enrollment answers per closed period. All three read
`from`/`to` the same way, through `month_range`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any, ClassVar

from pymongo.asynchronous.database import AsyncDatabase

from megp_common.mongo import Document
from megp_common.refusals import ValidationFailed

#: the most months one answer covers (three years): a range is bounded, never the whole history
MAX_MONTHS = 36
#: a month from 1900-01 to 2999-12 (four-digit years keep the text in calendar order)
MONTH_PATTERN = r"^(19|2\d)\d{2}-(0[1-9]|1[0-2])$"
_MONTH = re.compile(MONTH_PATTERN)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(text: str) -> tuple[int, int]:
    if not _MONTH.match(text):
        raise ValidationFailed(f"a month is written YYYY-MM, not {text!r}")
    return int(text[:4]), int(text[5:])


def last_day(month: str) -> date:
    year, number = parse_month(month)
    return date(year, number, calendar.monthrange(year, number)[1])


def month_end(month: str) -> datetime:
    """The month's last instant (the end of its last day, UTC), as funds' `statement?on=`."""
    return datetime.combine(last_day(month), time.max, tzinfo=UTC)


def next_month(month: str) -> str:
    year, number = parse_month(month)
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def previous_month(month: str) -> str:
    year, number = parse_month(month)
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def months(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included (none when `first` is after `last`)."""
    out: list[str] = []
    month = first
    while month <= last:
        out.append(month)
        month = next_month(month)
    return out


def months_ended(today: date, done: str | None, first: date | None) -> list[str]:
    """The months wholly past on `today` that have no snapshot yet: after `done` (the last
    month written), or from the month of `first` (the first record) when none was written; at
    most MAX_MONTHS, the latest ones, so a clock that jumped years writes a bounded amount."""
    last = previous_month(month_of(today))
    if done is not None:
        start = next_month(done)
    elif first is not None:
        start = month_of(first)
    else:
        return []
    due = months(start, last)
    return due[-MAX_MONTHS:]


def month_range(since: str | None, until: str | None, today: date) -> list[str]:
    """The months a history answer covers: `since` to `until` (YYYY-MM, both included);
    `until` defaults to the last whole month before `today`, `since` to twelve months before
    it. Refused (422): a month badly written, `since` after `until`, more than MAX_MONTHS."""
    last = until if until is not None else previous_month(month_of(today))
    parse_month(last)
    if since is None:
        first = last
        for _ in range(11):
            first = previous_month(first)
    else:
        first = since
        parse_month(first)
    if first > last:
        raise ValidationFailed(f"the range starts ({first}) after it ends ({last})")
    span = months(first, last)
    if len(span) > MAX_MONTHS:
        raise ValidationFailed(
            f"a range covers at most {MAX_MONTHS} months; {first} to {last} is {len(span)}"
        )
    return span


PROGRESS = "progress"


class MonthEndStore:
    """A service's month-end snapshots: one small document per state and month that ended
    (`_id` = "<YYYY-MM>:<state>", the row's figures as the service computed them at the month's
    last instant), and `_id` = "progress" naming the first and last month written. Writing a
    month again writes the same document; the mark moves after the month's rows, and never back."""

    collection: ClassVar[str]

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.col = db[self.collection]

    async def progress(self) -> tuple[str | None, str | None]:
        """(first, last) month written; (None, None) before the first."""
        doc = await self.col.find_one({"_id": PROGRESS})
        if not doc:
            return None, None
        return doc.get("first"), doc.get("last")

    async def last_written(self, today: date) -> tuple[str | None, bool]:
        """(the last month written, whether a month has ended since). A clock that went back
        before that month's end (a test harness's rewind; the platform's clock never does)
        moves the mark back before the last month ended: it and the later months are written
        again, from
        what the records say of them, once the clock passes them again."""
        ended = previous_month(month_of(today))
        first, last = await self.progress()
        if last is not None and last > ended:
            # the month just ended is written again too: the clock may have jumped back past
            # it with no tick in between, so its rows are whatever an earlier pass left
            back = previous_month(ended)
            mark = {"first": min(first or ended, ended), "last": back}
            await self.col.update_one({"_id": PROGRESS}, {"$set": mark})
            return back, True
        return last, last is None or last < ended

    async def store(self, month: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """The month's rows (each a `state` and its figures; a state without one has none),
        then the progress mark."""
        await self.col.delete_many({"month": month, "_id": {"$ne": PROGRESS}})
        for row in rows:
            figures = {k: v for k, v in row.items() if k != "state"}
            await self.col.update_one(
                {"_id": f"{month}:{row['state']}"},
                {"$set": {"month": month, "state": row["state"], **figures}},
                upsert=True,
            )
        first, last = await self.progress()
        mark = {"first": min(first or month, month), "last": max(last or month, month)}
        await self.col.update_one({"_id": PROGRESS}, {"$set": mark}, upsert=True)

    async def read(self, months: list[str], scope: Mapping[str, Any]) -> list[Document]:
        """The rows of those of `months` written, within `scope` (a state filter such as
        `megp_common.auth.state_filter` gives), by month then state."""
        first, last = await self.progress()
        kept = [m for m in months if first is not None and last is not None and first <= m <= last]
        if not kept:
            return []
        query: Document = {"month": {"$in": kept}, **scope}
        rows = [doc async for doc in self.col.find(query, {"_id": 0})]
        return sorted(rows, key=lambda r: (str(r["month"]), str(r["state"])))

    async def written(self, months: list[str]) -> list[str]:
        """Those of `months` already written (a month no state had rows in is among them)."""
        first, last = await self.progress()
        if first is None or last is None:
            return []
        return [m for m in months if first <= m <= last]

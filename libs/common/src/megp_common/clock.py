"""Time for the whole platform, settable in non-production so tests and simulations can run
months in minutes.

`SettableClock` is what code asks for the time. In production it follows the system clock and
nothing can move it. Elsewhere its setting lives in one document of a control database on the
shared store, so every process sees the same simulated time: `SharedClockStore` writes it,
`ClockWatcher` polls it and applies it locally, waking whoever waits for the clock to move.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol


def utcnow() -> datetime:
    return datetime.now(UTC)


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class ClockSetting:
    """Simulated time: `instant` at real time `set_at`; frozen, or running from there."""

    instant: datetime
    set_at: datetime
    frozen: bool = True
    version: int = 0

    def now(self, real_now: datetime) -> datetime:
        return self.instant if self.frozen else self.instant + (real_now - self.set_at)


class SettableClock:
    def __init__(self, *, settable: bool = True, real: Callable[[], datetime] = utcnow) -> None:
        self._real = real
        self._setting: ClockSetting | None = None
        self.settable = settable
        self._subscribers: list[asyncio.Event] = []

    def subscribe(self) -> asyncio.Event:
        """An event of one's own, set whenever the clock moves (the caller clears it)."""
        event = asyncio.Event()
        self._subscribers.append(event)
        return event

    def now(self) -> datetime:
        """The time, to the millisecond: what the store keeps of a datetime (BSON holds
        milliseconds), so an answer given at once and the same record read back later agree
        (a plan sheet's retry answering with the stored plans said `...02.100000Z` where its
        first attempt had said `...02.100205Z`)."""
        real = self._real()
        instant = real if self._setting is None else self._setting.now(real)
        return instant.replace(microsecond=instant.microsecond // 1000 * 1000)

    @property
    def setting(self) -> ClockSetting | None:
        return self._setting

    @property
    def version(self) -> int:
        return self._setting.version if self._setting else 0

    def apply(self, setting: ClockSetting | None) -> None:
        if not self.settable:
            raise PermissionError("the clock cannot be set in production")
        if setting == self._setting:
            return
        self._setting = setting
        for event in self._subscribers:
            event.set()

    def set(self, instant: datetime, *, frozen: bool = True) -> ClockSetting:
        if instant.tzinfo is None:
            raise ValueError("the clock takes timezone-aware instants")
        setting = ClockSetting(instant.astimezone(UTC), self._real(), frozen, self.version + 1)
        self.apply(setting)
        return setting

    def advance(self, delta: timedelta) -> ClockSetting:
        return self.set(self.now() + delta, frozen=self._setting.frozen if self._setting else True)


class SharedClockStore:
    """The clock document (`_id: "clock"`) in the control database; absent means real time."""

    def __init__(self, collection: Any) -> None:
        self._col = collection

    async def read(self) -> ClockSetting | None:
        doc = await self._col.find_one({"_id": "clock"})
        if doc is None:
            return None
        return ClockSetting(
            instant=as_utc(doc["instant"]),
            set_at=as_utc(doc["set_at"]),
            frozen=bool(doc["frozen"]),
            version=int(doc["version"]),
        )

    async def write(self, instant: datetime, *, frozen: bool = True) -> ClockSetting:
        """Set the shared time; bumps the version so watchers notice even an equal instant."""
        current = await self.read()
        setting = ClockSetting(
            instant.astimezone(UTC), utcnow(), frozen, (current.version if current else 0) + 1
        )
        await self._col.replace_one(
            {"_id": "clock"},
            {
                "instant": setting.instant,
                "set_at": setting.set_at,
                "frozen": setting.frozen,
                "version": setting.version,
            },
            upsert=True,
        )
        return setting

    async def reset(self) -> None:
        await self._col.delete_one({"_id": "clock"})


def as_utc(value: datetime) -> datetime:
    """A datetime as the store may hand it back (naive, in UTC) made aware of being UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class ClockWatcher:
    """Keeps a process's clock in step with the shared setting."""

    def __init__(self, clock: SettableClock, store: SharedClockStore, interval_s: float) -> None:
        self._clock, self._store, self._interval = clock, store, interval_s
        self._task: asyncio.Task[None] | None = None

    async def sync(self) -> None:
        self._clock.apply(await self._store.read())

    async def start(self) -> None:
        await self.sync()
        self._task = asyncio.create_task(self._loop(), name="clock-watcher")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            with contextlib.suppress(Exception):
                await self.sync()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

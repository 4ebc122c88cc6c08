import asyncio
from datetime import UTC, datetime, timedelta

from megp_common.clock import SettableClock
from megp_common.scheduler import clock_driven


async def test_a_job_runs_at_start_on_every_clock_move_and_survives_its_failures() -> None:
    clock = SettableClock()
    start = datetime(2030, 1, 1, tzinfo=UTC)
    clock.set(start)
    seen: list[datetime] = []

    async def job(now: datetime) -> None:
        seen.append(now)
        if len(seen) == 2:
            raise RuntimeError("a bad turn")

    task = asyncio.create_task(clock_driven(clock, job, interval_s=60)())
    await asyncio.sleep(0.05)
    clock.advance(timedelta(days=31))
    await asyncio.sleep(0.05)
    clock.advance(timedelta(days=30))
    await asyncio.sleep(0.05)
    task.cancel()
    assert seen == [start, start + timedelta(days=31), start + timedelta(days=61)]


async def test_two_jobs_each_see_the_move() -> None:
    clock = SettableClock()
    clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    runs = {"a": 0, "b": 0}

    def counting(key: str):  # type: ignore[no-untyped-def]
        async def job(now: datetime) -> None:
            runs[key] += 1

        return job

    tasks = [asyncio.create_task(clock_driven(clock, counting(k), interval_s=60)()) for k in runs]
    await asyncio.sleep(0.05)
    clock.advance(timedelta(hours=1))
    await asyncio.sleep(0.05)
    for t in tasks:
        t.cancel()
    assert runs == {"a": 2, "b": 2}

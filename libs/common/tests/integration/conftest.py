from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from megp_common.bus import KafkaBus, ensure_topics
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter, make_client
from megp_common.outbox import OutboxRelay
from megp_common.settings import REPO_ROOT
from megp_common.testing.infra import Infra
from megp_common.testing.tally import CounterRepository, TallyRepository

LOGS = REPO_ROOT / ".local" / "logs" / "tests"


class Scenario:
    """An isolated topic, dead-letter topic, database and consumer group for one test."""

    def __init__(self, infra: Infra) -> None:
        suffix = new_id()[-12:]
        self.infra = infra
        self.topic = f"test.tally.{suffix}"
        self.dlq = f"{self.topic}.dlq"
        self.db_name = f"megp_test_{suffix}"
        self.group = f"tally-{suffix}"
        self.client = make_client(infra.mongo)
        self.db = self.client[self.db_name]
        writer = OutboxWriter(service="tally-test", topic=self.topic, clock=SettableClock())
        self.writer = writer
        self.relay: OutboxRelay | None = None
        self.bus: KafkaBus | None = None
        self.counters = CounterRepository(self.db, writer)
        self.tallies = TallyRepository(self.db, writer)
        self.procs: list[subprocess.Popen[str]] = []
        self._logs: dict[int, str] = {}

    def spawn(self, role: str, **env: str) -> subprocess.Popen[str]:
        LOGS.mkdir(parents=True, exist_ok=True)
        log = (LOGS / f"{self.group}-{role}-{len(self.procs)}.log").open("w")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "megp_common.testing.tally",
                role,
                "--db",
                self.db_name,
                "--topic",
                self.topic,
                "--group",
                self.group,
            ],
            env={
                **os.environ,
                "KAFKA_BOOTSTRAP_SERVERS": self.infra.kafka,
                "MONGO_URL": self.infra.mongo,
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.procs.append(proc)
        self._logs[proc.pid] = log.name
        return proc

    async def wait_running(self, proc: subprocess.Popen[str], timeout_s: float = 60.0) -> None:
        """Until the role printed that it runs (its producer and consumer are connected)."""
        log_path = Path(self._logs[proc.pid])

        async def running() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"{log_path.name} exited with {proc.returncode}")
            return "running" in log_path.read_text()  # noqa: ASYNC240 (a tiny local file)

        await self.wait_until(running, timeout_s, what=f"{log_path.name} to run")

    async def wait_until(self, predicate: Any, timeout_s: float = 60.0, what: str = "") -> None:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not await predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {what or predicate}")
            await asyncio.sleep(0.2)

    async def tally(self, counter_id: str) -> tuple[int, int]:
        t = await self.tallies.find(counter_id)
        return (t.count, t.total) if t else (0, 0)

    async def read_topic(self, topic: str, expect: int, timeout_s: float = 30.0) -> list[Any]:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=self.infra.kafka,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
        )
        await consumer.start()
        got: list[Any] = []
        try:
            deadline = asyncio.get_running_loop().time() + timeout_s
            while len(got) < expect and asyncio.get_running_loop().time() < deadline:
                batch = await consumer.getmany(timeout_ms=500)
                for msgs in batch.values():
                    got.extend(msgs)
            # and a short look for anything beyond what was expected
            for msgs in (await consumer.getmany(timeout_ms=1000)).values():
                got.extend(msgs)
        finally:
            await consumer.stop()
        return got

    async def start_relay_here(self) -> OutboxRelay:
        """The relay in this process, woken by this process's commits, as in a service."""
        self.bus = KafkaBus(self.infra.kafka, service="tally-test")
        await self.bus.start()
        self.relay = OutboxRelay(
            self.db, self.bus, ["counters"], service="tally-test", sweep_interval_s=0.5
        )
        self.writer.notify = self.relay.notify
        await self.relay.start()
        return self.relay

    async def aclose(self) -> None:
        if self.relay is not None:
            await self.relay.stop()
        if self.bus is not None:
            await self.bus.stop()
        self.close()

    def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()


@pytest.fixture
async def scenario(infra: Infra) -> AsyncIterator[Scenario]:
    s = Scenario(infra)
    await ensure_topics(infra.kafka, [s.topic, s.dlq], partitions=3)
    yield s
    await s.aclose()
    await s.client.drop_database(s.db_name)
    await s.client.close()


@pytest.fixture
def anyio_backend() -> Iterator[str]:
    yield "asyncio"

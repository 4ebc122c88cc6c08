"""The ip-counsel use cases' container on the real store: one fresh database per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from ip_counsel.adapters.sealing import Keyring, Sealer
from ip_counsel.bootstrap import build_services
from ip_counsel.config import Settings
from ip_counsel.service_layer.container import Services
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import Document, OutboxWriter, make_client
from megp_common.testing.infra import Infra

SETTINGS = Settings()


@dataclass
class Store:
    db: AsyncDatabase[Document]
    services: Services

    def another(self) -> Services:
        """A second process's view of the same store (its own repository objects)."""
        return services_on(self.db, self.services.clock, self.services.sealer)


def services_on(db: AsyncDatabase[Document], clock: SettableClock, sealer: Sealer) -> Services:
    outbox = OutboxWriter(service="ip-counsel", topic="ip-counsel.events", clock=clock)
    return build_services(SETTINGS, clock, db, outbox, sealer)


@pytest.fixture
async def store(infra: Infra, tmp_path: Path) -> AsyncIterator[Store]:
    client = make_client(infra.mongo)
    db = client[f"ip_tick_{new_id()[-12:]}"]
    clock = SettableClock()
    clock.set(datetime(2045, 1, 10, 12, tzinfo=UTC))
    sealer = Sealer(Keyring.load(tmp_path / "keyring.json", create=True))
    yield Store(db, services_on(db, clock, sealer))
    await client.drop_database(db.name)
    await client.close()

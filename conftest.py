"""Test harness shared by every test in the repository: the real Kafka broker and store."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from megp_common.testing.infra import Infra, provide_infra


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    with provide_infra() as servers:
        os.environ["KAFKA_BOOTSTRAP_SERVERS"] = servers.kafka
        os.environ["MONGO_URL"] = servers.mongo
        yield servers

"""Where the tests get their servers, in this order:

1. `KAFKA_BOOTSTRAP_SERVERS` and `MONGO_URL` set by the user: that cluster, nothing started;
2. a Docker engine answers: Kafka and MongoDB containers through testcontainers;
3. otherwise the local processes of deploy/local (started if not running, stopped afterwards).

A missing server is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from megp_common.launcher import LocalInfra


@dataclass
class Infra:
    kafka: str
    mongo: str
    source: str  # "environment", "testcontainers" or "local"
    restart_kafka: Callable[[], None] | None = None
    stop_kafka: Callable[[], None] | None = None
    start_kafka: Callable[[], None] | None = None


def docker_engine_answers() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (subprocess.TimeoutExpired, OSError):
        return False


@contextmanager
def provide_infra() -> Iterator[Infra]:
    kafka, mongo = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGO_URL")
    if kafka and mongo:
        yield Infra(kafka, mongo, "environment")
        return
    if docker_engine_answers():
        with _containers() as infra:
            yield infra
        return
    local = LocalInfra()
    env = local.up()
    try:
        yield Infra(
            env["KAFKA_BOOTSTRAP_SERVERS"],
            env["MONGO_URL"],
            "local",
            restart_kafka=local.restart_kafka,
            stop_kafka=local.stop_kafka,
            start_kafka=local.start_kafka,
        )
    finally:
        local.down()


@contextmanager
def _containers() -> Iterator[Infra]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.mongodb import MongoDbContainer

    with KafkaContainer().with_kraft() as kafka, MongoDbContainer("mongo:7") as mongo:
        yield Infra(
            kafka.get_bootstrap_server(),
            mongo.get_connection_url(),
            "testcontainers",
            restart_kafka=lambda: (kafka.get_wrapped_container().restart(), None)[1],
        )

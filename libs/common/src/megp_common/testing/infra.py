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


#: how far a parallel test worker's servers sit from the first worker's: the broker's two ports
#: and the store's by this many per worker, the services' and the identity provider's by ten
#: times it (a platform's own ports span MEGP_PORT_OFFSET + 8001 to + 8110)
WORKER_PORT_STEP = 50


def isolate_worker(worker_id: str) -> None:
    """Give a parallel test worker (pytest-xdist's `gw0`, `gw1` ...) servers of its own: worker
    n > 0 gets its own broker, store, identity provider and service ports, shifted by n steps
    from the ones this checkout is told to use (MEGP_KAFKA_PORT ... or their defaults), and its
    own data, pids and logs under .local/workers/gwN. The first worker keeps the checkout's."""
    n = int(worker_id.removeprefix("gw"))
    if n == 0:
        return
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get("MONGO_URL"):
        raise RuntimeError(
            "parallel test workers each start their own broker and store; with "
            "KAFKA_BOOTSTRAP_SERVERS / MONGO_URL given they would share one: run one worker "
            "(make test PYTEST_WORKERS=1)"
        )
    from megp_common.launcher import local_dir, port_offset

    step = n * WORKER_PORT_STEP
    for var, default in (
        ("MEGP_KAFKA_PORT", 9092),
        ("MEGP_KAFKA_CONTROLLER_PORT", 9093),
        ("MEGP_MONGO_PORT", 27017),
    ):
        os.environ[var] = str(int(os.environ.get(var) or default) + step)
    if os.environ.get("MEGP_IDP_PORT"):
        os.environ["MEGP_IDP_PORT"] = str(int(os.environ["MEGP_IDP_PORT"]) + 10 * step)
    os.environ["MEGP_PORT_OFFSET"] = str(port_offset() + 10 * step)
    os.environ["MEGP_LOCAL_DIR"] = str(local_dir() / "workers" / worker_id)

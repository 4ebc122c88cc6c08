"""Settings every service shares, read from the environment (pydantic-settings).

A service subclasses `ServiceSettings` to add its own fields and its defaults (name, port).
Settings are built in the app's lifespan, never at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[4]


SERVICES: dict[str, int] = {
    "enrollment": 8001,
    "funds": 8002,
    "credit": 8003,
    "trade": 8004,
    "ip-counsel": 8005,
    "webhooks": 8006,
    "donors": 8007,
    "console": 8008,
}
"""Every service of the platform and its HTTP port (the console too: `make run` starts it)."""

WEB_APPS: frozenset[str] = frozenset({"console"})
"""Processes in SERVICES that serve pages, not an API: no topics, no OpenAPI to walk."""

API_SERVICES: tuple[str, ...] = tuple(s for s in SERVICES if s not in WEB_APPS)
"""The services with a public HTTP API and events of their own."""


def events_topic(service: str) -> str:
    """The topic a service publishes its domain events on."""
    return f"{service}.events"


def dead_letter_topic(service: str) -> str:
    """Where a service's consumer parks messages it could not handle."""
    return f"{service}.dlq"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_prefix="")

    service_name: str = "service"
    environment: Literal["development", "test", "production"] = "development"
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    kafka_bootstrap_servers: str = "localhost:9092"
    topic_partitions: int = Field(default=6, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)

    mongo_url: str = "mongodb://127.0.0.1:27017/?retryWrites=false"
    mongo_database: str | None = None
    # how long a store request waits for a usable server before it fails (a 503 with
    # Retry-After); PyMongo's own default, 30 s, would hold a request that long while the store
    # is down. A `serverSelectionTimeoutMS` in MONGO_URL takes precedence.
    mongo_server_selection_timeout_ms: int = Field(default=5000, gt=0)
    control_database: str = "megp_control"

    # the Kafka consumer group; by default the service's name, so every process of a service
    # shares its topics' partitions (a test running a second set of processes names its own)
    consumer_group: str | None = None
    # how often a process's in-memory views of due work (megp_common.watched) read the store
    # again, to learn what another process of the service committed: with several processes, a
    # loan disbursed by one is scheduled by another at most this long after (60 s measured
    # after a kill, tests/e2e/test_scale_out.py sets 2)
    watched_rescan_s: float = Field(default=60.0, gt=0)
    consumer_max_retries: int = Field(default=3, ge=0)
    consumer_retry_backoff_ms: int = Field(default=100, ge=0)
    consumer_max_batch: int = Field(default=500, ge=1)
    # a poll that brought fewer than CONSUMER_GATHER_RECORDS records waits up to
    # CONSUMER_GATHER_MS for more before handling them: events trickling in (a group's sales)
    # then make runs of several, one write per aggregate, at the cost of that much latency;
    # off by default (docs/architecture.md, "gathered polls": the suite's chains showed it)
    consumer_gather_ms: int = Field(default=0, ge=0)
    consumer_gather_records: int = Field(default=200, ge=1)
    relay_sweep_interval_s: float = Field(default=60.0, gt=0)
    # published entries are cleared once per document per window: a busy document (a fund on
    # a group's closing day) costs one clearing write per window instead of one per commit
    relay_clear_delay_s: float = Field(default=1.0, ge=0)
    clock_poll_interval_s: float = Field(default=0.2, gt=0)
    # the development clock moves only forwards; a test harness that must go back (a second
    # simulation on the same store) turns this on, and then asks for it with `rewind: true`
    clock_rewind_allowed: bool = False

    jwt_issuer: str = "megp-local"
    jwt_audience: str = "megp"
    jwt_secret_file: Path = REPO_ROOT / ".local" / "dev-jwt-secret"
    jwt_public_key_file: Path | None = None
    jwt_jwks_url: str | None = None
    # with an identity provider configured (JWT_JWKS_URL or JWT_PUBLIC_KEY_FILE): also accept the
    # development tokens signed with the local key, under their own issuer (a test platform whose
    # console signs people in through the provider while the harness seeds with development
    # tokens). Refused at start in production.
    jwt_accept_development_tokens: bool = False
    jwt_development_issuer: str = "megp-local"

    log_level: str = "INFO"
    log_json: bool = True

    @property
    def database_name(self) -> str:
        return self.mongo_database or f"megp_{self.service_name.replace('-', '_')}"

    @property
    def events_topic(self) -> str:
        return events_topic(self.service_name)

    @property
    def dead_letter_topic(self) -> str:
        return dead_letter_topic(self.service_name)

    @property
    def production(self) -> bool:
        return self.environment == "production"

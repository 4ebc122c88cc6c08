"""Prometheus metrics shared by every service, on the default registry."""

from __future__ import annotations

import time
from typing import Final

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED_ROUTE: Final = "unmatched"

HTTP_REQUEST_SECONDS: Final = Histogram(
    "megp_http_request_seconds",
    "HTTP request latency by route template.",
    ["service", "method", "route", "status"],
)
EVENTS_PUBLISHED: Final = Counter(
    "megp_events_published", "Events published to Kafka.", ["service", "topic", "type"]
)
EVENTS_CONSUMED: Final = Counter(
    "megp_events_consumed",
    "Events consumed, by outcome: handled (applied, or a duplicate the handler dropped) "
    "or dead_lettered.",
    ["service", "topic", "type", "outcome"],
)
CONSUMER_LAG: Final = Gauge(
    "megp_consumer_lag", "Messages behind the partition end.", ["service", "topic", "partition"]
)
CONSUMER_RUN_EVENTS: Final = Histogram(
    "megp_consumer_run_events",
    "Events of one partition's run handed to its handler in one call (one write per aggregate "
    "and run): its mean, sum over count, is the events a batched consumer applies per write.",
    ["service", "topic"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
)
DLQ_MESSAGES: Final = Counter(
    "megp_dlq_messages", "Messages sent to a dead-letter topic.", ["service", "topic"]
)
STORE_COMMAND_SECONDS: Final = Counter(
    "megp_store_command_seconds",
    "Time spent waiting for the store, by database, collection and command (with _count: how "
    "many). The first place to look when the store's CPU climbs.",
    ["database", "collection", "command"],
)
STORE_COMMANDS: Final = Counter(
    "megp_store_commands", "Store commands sent.", ["database", "collection", "command"]
)
STORE_SHARD_FILTERS: Final = Counter(
    "megp_store_shard_filters",
    "Filters sent to a collection that names a shard key (megp_common.mongo.SHARD_KEYS), by "
    "whether they carry the whole key (keyed: 'yes'/'no') and by their top-level fields "
    "(shape, sorted): a 'no' is a query a sharded cluster would send to every shard.",
    ["database", "collection", "command", "keyed", "shape"],
)
STORE_SHARD_HINT_MISSES: Final = Counter(
    "megp_store_shard_hint_misses",
    "Loads whose shard hint (state, group) found nothing, read again by _id alone.",
    ["database", "collection"],
)
PRODUCERS_REPLACED: Final = Counter(
    "megp_kafka_producers_replaced",
    "Kafka producers replaced after the broker refused their sequence state.",
    ["service"],
)
OUTBOX_PENDING: Final = Gauge(
    "megp_outbox_pending", "Outbox entries not yet published.", ["service"]
)


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class MetricsMiddleware:
    """Observe request latency labelled by route *template* (``/groups/{group_id}``).

    Raw paths would create one time series per id; requests no route matched share the
    ``"unmatched"`` label. A request that raises before responding is counted as a 500.
    """

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_recording_status)
        finally:
            HTTP_REQUEST_SECONDS.labels(
                service=self.service,
                method=scope["method"],
                route=_route_template(scope),
                status=str(status),
            ).observe(time.perf_counter() - started)


def metrics_endpoint() -> Response:
    """The Prometheus exposition of the default registry, e.g. for ``GET /metrics``."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

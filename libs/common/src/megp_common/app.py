"""The app factory: every service's process is built here, so `bootstrap.py` only says what is
particular to the service (its routers, repositories, event handlers and schedulers).

Lifespan order: logging, store, clock, producer and topics, wiring and indexes, outbox relay,
consumer, background tasks; shutdown in reverse, flushing the outbox and committing offsets.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, Field
from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from megp_common.auth import AuthConfig, Role, TokenVerifier, local_secret
from megp_common.auth.fastapi import require_roles
from megp_common.bus import KafkaBus, ensure_topics
from megp_common.clock import ClockWatcher, SettableClock, SharedClockStore
from megp_common.consumer import ConsumerRunner, Handler
from megp_common.errors import Forbidden, install_problem_handlers
from megp_common.http_limits import HttpLimits, install_http_limits
from megp_common.logging import CorrelationIdMiddleware, configure_logging
from megp_common.metrics import MetricsMiddleware, metrics_endpoint
from megp_common.mongo import Document, OutboxWriter, ensure_indexes, make_client
from megp_common.openapi import document_problems
from megp_common.outbox import OutboxRelay
from megp_common.retry import retry_until_ready
from megp_common.settings import ServiceSettings

log = structlog.get_logger(__name__)


@dataclass
class Runtime:
    """The process's shared machinery, handed to the service's wiring."""

    settings: ServiceSettings
    clock: SettableClock
    db: AsyncDatabase[Document]
    control_db: AsyncDatabase[Document]
    bus: KafkaBus
    outbox: OutboxWriter
    clock_store: SharedClockStore


@dataclass
class Wiring:
    """What a service adds to the machinery."""

    collections: Mapping[str, Sequence[IndexModel]] = field(default_factory=dict)
    outbox_collections: Sequence[str] = ()
    consumes: Sequence[str] = ()
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = ()
    container: Any = None


WireFn = Callable[[Runtime], Awaitable[Wiring]]


def token_verifier(settings: ServiceSettings) -> TokenVerifier:
    public_key = settings.jwt_public_key_file.read_text() if settings.jwt_public_key_file else None
    production_keys = public_key is not None or settings.jwt_jwks_url is not None
    return TokenVerifier(
        AuthConfig(
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            algorithm="RS256" if production_keys else "HS256",
            secret=None if production_keys else local_secret(settings.jwt_secret_file),
            public_key_pem=public_key,
            jwks_url=settings.jwt_jwks_url,
        )
    )


def create_app(
    *,
    title: str,
    settings_factory: Callable[[], ServiceSettings],
    wire: WireFn,
    routers: Sequence[APIRouter] = (),
    description: str = "",
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = settings_factory()
        configure_logging(settings.service_name, settings.log_level, settings.log_json)
        client = make_client(settings.mongo_url)
        db, control_db = client[settings.database_name], client[settings.control_database]
        await retry_until_ready("MongoDB", lambda: db.command("ping"))
        clock = SettableClock(settable=not settings.production)
        clock_store = SharedClockStore(control_db["clock"])
        watcher = ClockWatcher(clock, clock_store, settings.clock_poll_interval_s)
        if not settings.production:
            await watcher.start()
        bus = KafkaBus(settings.kafka_bootstrap_servers, service=settings.service_name)
        await retry_until_ready("Kafka", bus.start)
        runtime = Runtime(
            settings,
            clock,
            db,
            control_db,
            bus,
            OutboxWriter(service=settings.service_name, topic=settings.events_topic, clock=clock),
            clock_store,
        )
        wiring = await wire(runtime)
        await retry_until_ready(
            "Kafka topics",
            lambda: ensure_topics(
                settings.kafka_bootstrap_servers,
                [settings.events_topic, settings.dead_letter_topic, *wiring.consumes],
                partitions=settings.topic_partitions,
                replication=settings.topic_replication_factor,
            ),
        )
        await ensure_indexes(db, wiring.collections)
        relay = OutboxRelay(
            db,
            bus,
            wiring.outbox_collections,
            service=settings.service_name,
            sweep_interval_s=settings.relay_sweep_interval_s,
            clear_delay_s=settings.relay_clear_delay_s,
        )
        runtime.outbox.notify = relay.notify
        consumer = ConsumerRunner(
            service=settings.service_name,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topics=list(wiring.consumes),
            handlers=wiring.handlers,
            bus=bus,
            dead_letter_topic=settings.dead_letter_topic,
            max_retries=settings.consumer_max_retries,
            backoff_ms=settings.consumer_retry_backoff_ms,
            max_batch=settings.consumer_max_batch,
        )
        await relay.start()
        await retry_until_ready("Kafka consumer group", consumer.start)
        tasks: list[asyncio.Task[None]] = [
            asyncio.create_task(job(), name=getattr(job, "__name__", "job"))
            for job in wiring.background
        ]
        app.state.settings, app.state.runtime, app.state.container = (
            settings,
            runtime,
            wiring.container,
        )
        app.state.relay, app.state.consumer, app.state.expects_consumer = (
            relay,
            consumer,
            bool(wiring.consumes),
        )
        app.state.token_verifier = token_verifier(settings)
        log.info("service started", port=settings.http_port, database=settings.database_name)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await consumer.stop()
            await relay.stop()
            await bus.stop()
            await watcher.stop()
            await client.close()
            log.info("service stopped")

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    install_problem_handlers(app)
    install_http_limits(app)
    document_problems(app)
    app.add_middleware(CorrelationIdMiddleware)
    app.add_middleware(MetricsMiddleware, service=title)
    app.include_router(_platform_router())
    for router in routers:
        app.include_router(router)
    return app


class ClockView(BaseModel):
    now: datetime
    version: int = Field(description="Version of the shared clock setting this process follows")
    frozen: bool | None = None
    settable: bool


class ClockUpdate(BaseModel):
    instant: AwareDatetime = Field(description="The new time, timezone-aware")
    frozen: bool = True


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _platform_router() -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", tags=["platform"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz", tags=["platform"], summary="Store and broker reachable, consumers running"
    )
    async def readyz(request: Request) -> JSONResponse:
        runtime = _runtime(request)
        checks: dict[str, bool] = {}
        try:
            await asyncio.wait_for(runtime.db.command("ping"), 2)
            checks["mongo"] = True
        except Exception:
            checks["mongo"] = False
        checks["kafka"] = await runtime.bus.reachable()
        checks["outbox_relay"] = request.app.state.relay.running
        checks["consumer"] = (
            request.app.state.consumer.running or not request.app.state.expects_consumer
        )
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    @router.get("/metrics", tags=["platform"], summary="Prometheus metrics")
    async def metrics() -> Response:
        return metrics_endpoint()

    @router.get(
        "/v1/admin/clock",
        tags=["platform"],
        response_model=ClockView,
        summary="The time this process lives in",
    )
    async def get_clock(runtime: Annotated[Runtime, Depends(_runtime)]) -> ClockView:
        setting = runtime.clock.setting
        return ClockView(
            now=runtime.clock.now(),
            version=runtime.clock.version,
            frozen=setting.frozen if setting else None,
            settable=runtime.clock.settable,
        )

    @router.put(
        "/v1/admin/clock",
        tags=["platform"],
        response_model=ClockView,
        dependencies=[Depends(require_roles(Role.PROGRAMME_SUPERVISOR))],
        summary="Move the shared clock (not in production)",
    )
    async def set_clock(
        body: ClockUpdate, runtime: Annotated[Runtime, Depends(_runtime)]
    ) -> ClockView:
        if not runtime.clock.settable:
            raise Forbidden("the clock follows real time in production")
        setting = await runtime.clock_store.write(body.instant, frozen=body.frozen)
        runtime.clock.apply(setting)
        return ClockView(
            now=runtime.clock.now(), version=setting.version, frozen=setting.frozen, settable=True
        )

    return router


def serve(factory: str, settings: ServiceSettings) -> None:
    """Run a service's app factory (`package.bootstrap:create_app`) under uvicorn.

    h11 rather than httptools: httptools cannot parse a URL of 64 KiB or more at all, while h11
    reads heads up to `HTTP_MAX_HEAD_BYTES`, so the app answers long queries itself (414)."""
    import uvicorn

    uvicorn.run(
        factory,
        factory=True,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        lifespan="on",
        http="h11",
        h11_max_incomplete_event_size=HttpLimits().max_head_bytes,
    )

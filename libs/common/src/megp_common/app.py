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
from typing import Annotated, Any, Generic, TypeVar

import pymongo
import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, Field
from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from megp_common.auth import AuthConfig, Principal, Role, TokenVerifier, local_secret
from megp_common.auth.fastapi import CurrentPrincipal, require_roles
from megp_common.bus import KafkaBus, ensure_topics
from megp_common.clock import ClockWatcher, SettableClock, SharedClockStore
from megp_common.consumer import ConsumerRunner, Handler
from megp_common.errors import Conflict, Forbidden, install_problem_handlers, problem_responses
from megp_common.http_limits import HttpLimits, install_http_limits
from megp_common.logging import configure_logging
from megp_common.metrics import MetricsMiddleware, metrics_endpoint
from megp_common.middleware import CorrelationIdMiddleware
from megp_common.mongo import (
    Document,
    OutboxWriter,
    ensure_indexes,
    make_client,
    require_atomic_document_writes,
)
from megp_common.openapi import document_problems
from megp_common.outbox import OutboxRelay
from megp_common.retry import retry_until_ready
from megp_common.schemas import RequestModel
from megp_common.settings import ServiceSettings
from megp_common.unavailable import install_unavailable_handlers
from megp_common.watched import Watched
from megp_common.web import app_state

log = structlog.get_logger(__name__)


S = TypeVar("S", bound=ServiceSettings)
C = TypeVar("C")


@dataclass
class Runtime(Generic[S]):
    """The process's shared machinery, handed to the service's wiring, typed by the service's
    own settings class (so `wire` reads `runtime.settings.<its setting>` without a cast)."""

    settings: S
    clock: SettableClock
    db: AsyncDatabase[Document]
    control_db: AsyncDatabase[Document]
    bus: KafkaBus
    outbox: OutboxWriter
    clock_store: SharedClockStore


@dataclass
class Wiring(Generic[C]):
    """What a service adds to the machinery; `container` is its use cases' container."""

    collections: Mapping[str, Sequence[IndexModel]] = field(default_factory=dict)
    outbox_collections: Sequence[str] = ()
    consumes: Sequence[str] = ()
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = ()
    container: C | None = None


def development_auth_config(settings: ServiceSettings) -> AuthConfig:
    """The development tokens' issuer and local key: `JWT_ISSUER` when no identity provider is
    configured, else `JWT_DEVELOPMENT_ISSUER` (so the two issuers never share a name)."""
    provider = settings.jwt_public_key_file is not None or settings.jwt_jwks_url is not None
    return AuthConfig(
        issuer=settings.jwt_development_issuer if provider else settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithm="HS256",
        secret=local_secret(settings.jwt_secret_file),
    )


def token_verifier(settings: ServiceSettings) -> TokenVerifier:
    """The issuers a service trusts: the identity provider (RS256, its public key or JWKS) when
    one is configured, the development tokens otherwise; both where a non-production platform
    asks for it (`JWT_ACCEPT_DEVELOPMENT_TOKENS`)."""
    public_key = settings.jwt_public_key_file.read_text() if settings.jwt_public_key_file else None
    if public_key is None and settings.jwt_jwks_url is None:
        return TokenVerifier(development_auth_config(settings))
    provider = AuthConfig(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithm="RS256",
        public_key_pem=public_key,
        jwks_url=settings.jwt_jwks_url,
    )
    if not settings.jwt_accept_development_tokens:
        return TokenVerifier(provider)
    if settings.production:
        raise ValueError("development tokens are never accepted in production")
    return TokenVerifier(provider, development_auth_config(settings))


def create_app(
    *,
    title: str,
    settings_factory: Callable[[], S],
    wire: Callable[[Runtime[S]], Awaitable[Wiring[Any]]],
    routers: Sequence[APIRouter] = (),
    description: str = "",
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Every resource is registered on the stack as soon as it exists, so a failure at any
        # step before `yield` (the broker down, a bad index) still closes what was opened,
        # in reverse order, as a normal shutdown does.
        async with contextlib.AsyncExitStack() as stack:
            await _start(app, stack, settings_factory(), wire)
            log.info("service started", port=app.state.settings.http_port)
            yield
        log.info("service stopped")

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    install_problem_handlers(app)
    install_unavailable_handlers(app)  # store/broker outages: 503 + Retry-After, not the 500
    install_http_limits(app)
    document_problems(app)
    app.add_middleware(CorrelationIdMiddleware)
    app.add_middleware(MetricsMiddleware, service=title)
    app.include_router(_platform_router())
    for router in routers:
        app.include_router(router)
    return app


async def _start(
    app: FastAPI,
    stack: contextlib.AsyncExitStack,
    settings: S,
    wire: Callable[[Runtime[S]], Awaitable[Wiring[Any]]],
) -> None:
    """Open the store, the clock, the bus, the service's wiring, the relay, the consumer and
    the background jobs, each registered on `stack` to be closed in reverse."""
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    client = make_client(
        settings.mongo_url,
        server_selection_timeout_ms=settings.mongo_server_selection_timeout_ms,
    )
    stack.push_async_callback(client.close)
    db, control_db = client[settings.database_name], client[settings.control_database]
    await retry_until_ready("MongoDB", lambda: db.command("ping"))
    Watched.default_rescan_s = settings.watched_rescan_s
    # several processes of a service (and the relay of each) commit to one document by its
    # conditional update alone: refuse a store that does not apply it atomically
    log.info("store checked", store=await require_atomic_document_writes(db))
    clock = SettableClock(settable=not settings.production)
    clock_store = SharedClockStore(control_db["clock"])
    watcher = ClockWatcher(clock, clock_store, settings.clock_poll_interval_s)
    if not settings.production:
        await watcher.start()
        stack.push_async_callback(watcher.stop)
    bus = KafkaBus(settings.kafka_bootstrap_servers, service=settings.service_name)
    stack.push_async_callback(_quietly, bus.stop)
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
        group_id=settings.consumer_group,
        gather_ms=settings.consumer_gather_ms,
        gather_records=settings.consumer_gather_records,
    )
    await relay.start()
    stack.push_async_callback(relay.stop)
    stack.push_async_callback(_quietly, consumer.stop)
    await retry_until_ready("Kafka consumer group", consumer.start)
    tasks: list[asyncio.Task[None]] = [
        asyncio.create_task(job(), name=getattr(job, "__name__", "job"))
        for job in wiring.background
    ]
    stack.push_async_callback(_cancel_all, tasks)
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


async def _quietly(stop: Callable[[], Awaitable[None]]) -> None:
    """Stop something that may never have started (a failed start-up unwinding)."""
    try:
        await stop()
    except Exception:
        log.warning("stopping after a failed start", what=getattr(stop, "__qualname__", "?"))


async def _cancel_all(tasks: Sequence[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


class ClockView(BaseModel):
    now: datetime
    version: int = Field(description="Version of the shared clock setting this process follows")
    frozen: bool | None = None
    settable: bool


class ClockUpdate(RequestModel):
    instant: AwareDatetime = Field(description="The new time, timezone-aware")
    frozen: bool = True
    rewind: bool = Field(
        default=False,
        description="Move it backwards (only where the setting CLOCK_REWIND_ALLOWED is on: a "
        "test harness's reset); otherwise the clock moves only forwards",
    )


READY_TIMEOUT_S = 2.0
"""How long /readyz waits for the store's and the broker's answers before saying not ready."""


async def store_reachable(db: AsyncDatabase[Document], timeout_s: float = READY_TIMEOUT_S) -> bool:
    """A real round trip to the store (`ping`), bounded: PyMongo's own timeout covers server
    selection and the reply, and `wait_for` bounds it again should either hang."""
    try:
        with pymongo.timeout(timeout_s):
            await asyncio.wait_for(db.command("ping"), timeout_s + 0.5)
        return True
    except Exception:
        return False


def _runtime_of(request: Request) -> Runtime[ServiceSettings]:
    runtime: Runtime[ServiceSettings] = request.app.state.runtime
    return runtime


_runtime = app_state("runtime", Runtime)


def _platform_router() -> APIRouter:
    """Health, readiness and metrics of the process, and the clock's routes."""
    router = APIRouter()

    @router.get("/healthz", tags=["platform"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz", tags=["platform"], summary="Store and broker reachable, consumers running"
    )
    async def readyz(request: Request) -> JSONResponse:
        runtime = _runtime_of(request)
        checks: dict[str, bool] = {}
        checks["mongo"], checks["kafka"] = await asyncio.gather(
            store_reachable(runtime.db), runtime.bus.reachable(READY_TIMEOUT_S)
        )
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

    router.include_router(_clock_router())
    return router


def _clock_router() -> APIRouter:
    """The development clock: read by anyone signed in, moved forwards by a national
    supervisor (see docs/architecture.md, Time)."""
    router = APIRouter()

    @router.get(
        "/v1/admin/clock",
        tags=["platform"],
        response_model=ClockView,
        responses=problem_responses((401,)),
        summary="The time this process lives in",
    )
    async def get_clock(
        runtime: Annotated[Runtime[ServiceSettings], Depends(_runtime)], _who: CurrentPrincipal
    ) -> ClockView:
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
        responses=problem_responses((401, 403, 409, 422)),
        summary="Move the shared clock forwards (a national supervisor; not in production)",
    )
    async def set_clock(
        body: ClockUpdate,
        runtime: Annotated[Runtime[ServiceSettings], Depends(_runtime)],
        who: Annotated[Principal, Depends(require_roles(Role.PROGRAMME_SUPERVISOR))],
    ) -> ClockView:
        if not who.is_national:
            raise Forbidden("only a national programme supervisor moves the national clock")
        if not runtime.clock.settable:
            raise Forbidden("the clock follows real time in production")
        if body.instant < runtime.clock.now():
            if not body.rewind:
                raise Conflict(
                    f"the clock is at {runtime.clock.now().isoformat()} and moves only forwards; "
                    "records dated before what was already posted would break the ledgers"
                )
            if not runtime.settings.clock_rewind_allowed:
                raise Forbidden(
                    "moving the clock backwards needs the setting CLOCK_REWIND_ALLOWED (a test "
                    "harness's reset, never a live platform)"
                )
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

    from megp_common.allocator import tune
    from megp_common.heap import start_if_asked

    tune()
    start_if_asked(factory.split(".", 1)[0])
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

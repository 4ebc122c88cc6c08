"""A request that meets the store or the broker away answers 503, not 500.

When the store (MongoDB, or FerretDB locally) is down, restarting or stepping down, PyMongo raises
`ConnectionFailure` and its kin (`AutoReconnect`, `NetworkTimeout`,
`ServerSelectionTimeoutError` once `MONGO_SERVER_SELECTION_TIMEOUT_MS` passes, `NotPrimaryError`,
`WaitQueueTimeoutError`), or an `OperationFailure` whose code says the server is shutting down or
stepping down. Nothing is wrong with the request: the caller should send it again later, with the
same `Idempotency-Key` where it has one. So these become a `503 Service Unavailable` problem
document (type https://megp.mx/problems/unavailable) with a `Retry-After` header. The broker's
equivalents (aiokafka's connection and timeout errors) are treated alike, should a request path
meet them.

`install_unavailable_handlers(app)` registers the handlers; the app factory calls it after
`install_problem_handlers`, whose catch-all still answers 500 for everything else.
"""

from __future__ import annotations

from typing import Any, Final

import structlog
from aiokafka.errors import (
    BrokerNotAvailableError,
    KafkaConnectionError,
    KafkaTimeoutError,
    NoBrokersAvailable,
    NodeNotReadyError,
)
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pymongo.errors import ConnectionFailure, OperationFailure

_log = structlog.get_logger(__name__)

UNAVAILABLE_TYPE: Final = "https://megp.mx/problems/unavailable"
_MEDIA_TYPE: Final = "application/problem+json"
DEFAULT_RETRY_AFTER_S: Final = 5

STORE_OUTAGES: Final[tuple[type[Exception], ...]] = (ConnectionFailure,)
"""PyMongo's "could not reach a usable server" family (AutoReconnect, NetworkTimeout,
ServerSelectionTimeoutError, NotPrimaryError and WaitQueueTimeoutError derive from it)."""

BROKER_OUTAGES: Final[tuple[type[Exception], ...]] = (
    KafkaConnectionError,
    KafkaTimeoutError,
    NoBrokersAvailable,
    NodeNotReadyError,
    BrokerNotAvailableError,
)

#: server error codes meaning "this server is going away or is no longer primary": the same
#: request succeeds against the next primary (or this one once it is back)
OUTAGE_CODES: Final = frozenset(
    {
        91,  # ShutdownInProgress
        189,  # PrimarySteppedDown
        10107,  # NotWritablePrimary
        11600,  # InterruptedAtShutdown
        11602,  # InterruptedDueToReplStateChange
        13435,  # NotPrimaryNoSecondaryOk
        13436,  # NotPrimaryOrSecondary
    }
)


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` says the store or the broker is unreachable for now (not that the request
    is wrong). An exception group is an outage when every exception in it is one."""
    if isinstance(exc, BaseExceptionGroup):
        return all(is_outage(e) for e in exc.exceptions)
    if isinstance(exc, STORE_OUTAGES + BROKER_OUTAGES):
        return True
    return isinstance(exc, OperationFailure) and exc.code in OUTAGE_CODES


def _which(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return _which(exc.exceptions[0])
    return "broker" if isinstance(exc, BROKER_OUTAGES) else "store"


def unavailable_response(
    request: Request, exc: BaseException, retry_after_s: int = DEFAULT_RETRY_AFTER_S
) -> JSONResponse:
    """The 503 problem document for an outage met while serving `request`."""
    which = _which(exc)
    body: dict[str, Any] = {
        "type": UNAVAILABLE_TYPE,
        "title": "Service unavailable",
        "status": 503,
        "detail": (
            f"The service cannot reach its {which} right now; nothing was refused. "
            f"Send the request again in {retry_after_s} s (with the same Idempotency-Key)."
        ),
        "instance": request.url.path,
    }
    return JSONResponse(
        body,
        status_code=503,
        headers={"Retry-After": str(retry_after_s)},
        media_type=_MEDIA_TYPE,
    )


def install_unavailable_handlers(app: FastAPI, retry_after_s: int = DEFAULT_RETRY_AFTER_S) -> None:
    """Answer 503 with `Retry-After` when a request meets the store or the broker away.

    Registered per exception class, so Starlette prefers them to a catch-all `Exception` handler
    whatever the order; an `OperationFailure` or exception group that is not an outage is raised
    again and reaches that catch-all (a 500)."""

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        if not is_outage(exc):
            raise exc
        _log.warning(
            "request met an outage",
            of=_which(exc),
            path=request.url.path,
            method=request.method,
            error=repr(exc)[:300],
            correlation_id=getattr(request.state, "correlation_id", None),
        )
        return unavailable_response(request, exc, retry_after_s)

    for cls in (*STORE_OUTAGES, *BROKER_OUTAGES, OperationFailure, ExceptionGroup):
        app.add_exception_handler(cls, handle)

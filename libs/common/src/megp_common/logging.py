"""Structured logging: one JSON object per line, correlation ids from context variables.

No web framework here: the domain reads the correlation id through `megp_common.context`; the
middleware that binds it for an HTTP request is `megp_common.middleware`."""

from __future__ import annotations

import logging
import sys
from typing import IO, Any, Final

import orjson
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

#: Stdlib loggers whose own handlers are removed so their records reach the root handler.
ROUTED_LOGGERS: Final = ("uvicorn", "uvicorn.error", "uvicorn.access", "aiokafka", "pymongo")


def _orjson_dumps(obj: Any, **kwargs: Any) -> str:
    return orjson.dumps(obj, default=kwargs.get("default", str)).decode()


def _ensure_correlation_id(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    event_dict.setdefault("correlation_id", None)
    return event_dict


def _service_adder(service: str) -> Processor:
    def add_service(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return add_service


def configure_logging(
    service: str, level: str = "INFO", json: bool = True, *, stream: IO[str] | None = None
) -> None:
    """Send structlog and stdlib logging (uvicorn, aiokafka, ...) through one renderer.

    Every line carries timestamp (ISO 8601, UTC), level, logger, service, event and
    correlation_id (null outside a request or message). Safe to call more than once.
    """
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        _service_adder(service),
        _ensure_correlation_id,
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if json:
        final += [
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=_orjson_dumps),
        ]
    else:
        final.append(structlog.dev.ConsoleRenderer())
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=final,
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(formatter)

    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ROUTED_LOGGERS:
        routed = logging.getLogger(name)
        routed.handlers.clear()
        routed.propagate = True
        routed.setLevel(logging.NOTSET)


def bind_correlation(correlation_id: str, **values: Any) -> None:
    """Attach the correlation id (and any other values) to every log line in this context."""
    structlog.contextvars.bind_contextvars(correlation_id=correlation_id, **values)


def clear_context() -> None:
    structlog.contextvars.clear_contextvars()


def get_correlation_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("correlation_id")
    return value if isinstance(value, str) else None

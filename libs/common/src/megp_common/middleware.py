"""ASGI middleware of the services' web apps.

Kept apart from `megp_common.logging` so that the domain, which reads the correlation id through
`megp_common.context`, never loads a web framework.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any, Final

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from megp_common.ids import new_id

CORRELATION_HEADER: Final = "X-Correlation-ID"
_VALID_CORRELATION_ID: Final = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class CorrelationIdMiddleware:
    """Bind ``X-Correlation-ID`` (or a fresh id) for the request and echo it in the response.

    The id is also stored in ``scope["state"]`` (``request.state.correlation_id``) for code that
    runs outside this middleware, such as Starlette's handler of unhandled exceptions. Incoming
    ids that are too long or contain unusual characters are replaced, so they cannot inject text
    into logs or headers.
    """

    def __init__(self, app: ASGIApp, header_name: str = CORRELATION_HEADER) -> None:
        self.app = app
        self.header_name = header_name
        self._header_key = header_name.lower().encode("latin-1")

    def _incoming(self, scope: Scope) -> str | None:
        for key, value in scope.get("headers", ()):
            if key.lower() == self._header_key:
                text: str = value.decode("latin-1").strip()
                return text if _VALID_CORRELATION_ID.match(text) else None
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        correlation_id = self._incoming(scope) or new_id()
        state: MutableMapping[str, Any] = scope.setdefault("state", {})
        state["correlation_id"] = correlation_id

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[self.header_name] = correlation_id
            await send(message)

        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
            await self.app(scope, receive, send_with_header)

"""Bounds on what a request may carry, and the problem documents that refuse the rest.

- A query string longer than `HTTP_MAX_QUERY_BYTES` (8 KiB) is a 414. Uvicorn itself parses
  request heads up to `HTTP_MAX_HEAD_BYTES` (256 KiB, `megp_common.app.serve`), so a long query
  reaches the app and gets a problem document rather than the server's plain-text 400.
- A body longer than `HTTP_MAX_BODY_BYTES` (1 MiB) is a 413: at once when `Content-Length` says
  so, otherwise as soon as the bytes read pass the bound (a chunked upload).
- A method a path does not support is a 405 whose `Allow` lists every method of every route
  matching the path (Starlette names only the first route's).

The bounds are settings read when the app first serves (the middleware stack is built then),
never at import.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from megp_common.errors import problem_response

KIB: Final = 1024
#: the methods a 405's Allow may list, in the order it lists them
HTTP_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class HttpLimits(BaseSettings):
    """`HTTP_MAX_QUERY_BYTES`, `HTTP_MAX_BODY_BYTES`, `HTTP_MAX_HEAD_BYTES`."""

    model_config = SettingsConfigDict(env_prefix="HTTP_", extra="ignore")

    max_query_bytes: int = Field(default=8 * KIB, ge=1)
    max_body_bytes: int = Field(default=1024 * KIB, ge=1)
    max_head_bytes: int = Field(
        default=256 * KIB, ge=16 * KIB, description="Request line and headers, parsed by uvicorn"
    )


def install_http_limits(app: FastAPI, limits: HttpLimits | None = None) -> None:
    """Refuse over-long queries (414), over-large bodies (413); list `Allow` in every 405."""
    app.add_middleware(HttpLimitsMiddleware, limits=limits)
    app.add_exception_handler(405, _method_not_allowed)


def _problem(
    status: int, title: str, detail: str, instance: str, **extensions: Any
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extensions,
    }
    return problem_response(body, status)


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a body passes the bound; FastAPI lets HTTPException through
    its body parsing, and the problem handler renders it."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class HttpLimitsMiddleware:
    def __init__(self, app: ASGIApp, limits: HttpLimits | None = None) -> None:
        self.app = app
        self.limits = limits or HttpLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        max_query, max_body = self.limits.max_query_bytes, self.limits.max_body_bytes
        query: bytes = scope.get("query_string", b"")
        if len(query) > max_query:
            response = _problem(
                414,
                "URI Too Long",
                f"the query string is {len(query)} bytes; at most {max_query} are accepted",
                path,
                max_query_bytes=max_query,
            )
            await response(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > max_body:
            response = _problem(
                413,
                "Content Too Large",
                f"the request body is {declared} bytes; at most {max_body} are accepted",
                path,
                max_body_bytes=max_body,
            )
            await response(scope, receive, send)
            return
        await self.app(scope, _bounded(receive, max_body), send)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _bounded(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def bounded_receive() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return bounded_receive


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route answers at `scope`'s path, in a stable order.

    Each method is probed on a fresh scope: FastAPI's included routers match lazily (they are
    not flattened into `app.router.routes`) and keep state in the scope they match."""
    path, root_path = scope.get("path", ""), scope.get("root_path", "")
    candidates = list(routes)
    allowed = []
    for method in HTTP_METHODS:
        probe: Scope = {"type": "http", "path": path, "root_path": root_path, "method": method}
        if any(route.matches(dict(probe))[0] is Match.FULL for route in candidates):
            allowed.append(method)
    return allowed


async def _method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    allow = allowed_methods(request.app.router.routes, request.scope)
    if not allow and isinstance(exc, StarletteHTTPException) and exc.headers:
        allow = [m.strip() for m in exc.headers.get("Allow", "").split(",") if m.strip()]
    response = _problem(
        405,
        "Method Not Allowed",
        f"{request.method} is not supported here; use {', '.join(allow) or 'another path'}",
        request.url.path,
        allowed_methods=allow,
    )
    response.headers["Allow"] = ", ".join(allow)
    return response

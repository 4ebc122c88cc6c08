"""Refusals rendered as RFC 9457 problem details (``application/problem+json``).

The refusal classes live in `megp_common.refusals` (pure, importable from any `domain/`); this
module re-exports them for the web layer and installs the one handler that renders them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any, Final

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from megp_common.refusals import (
    PROBLEM_TYPE_BASE,
    BusinessRuleViolation,
    Conflict,
    DecisionRefused,
    DomainRefusal,
    Forbidden,
    InvalidData,
    Missing,
    NotFound,
    OutOfScope,
    PreconditionFailed,
    PreconditionRequired,
    RuleViolation,
    SheetRejected,
    StateConflict,
    Unauthorized,
    Unavailable,
    ValidationFailed,
    problem_type,
)

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
_PROBLEM_SCHEMA_REF: Final = "#/components/schemas/ProblemDetail"

_log = structlog.get_logger(__name__)

#: The one refusal base (`megp_common.refusals.DomainRefusal`), under its older name.
DomainError = DomainRefusal


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ProblemDetail(BaseModel):
    """OpenAPI description of a problem document; extension members are allowed."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


def problem_response(
    body: Mapping[str, Any], status: int, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        jsonable_encoder(body),
        status_code=status,
        headers=dict(headers or {}),
        media_type=PROBLEM_MEDIA_TYPE,
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _refusal_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainRefusal)
    return problem_response(exc.to_problem(request.url.path), exc.status, exc.headers)


def _field_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    # Only loc/msg/type: echoing the rejected input could copy personal data into responses.
    return [
        {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", "")), "type": err.get("type")}
        for err in errors
    ]


async def _invalid_model_handler(request: Request, exc: Exception) -> JSONResponse:
    """Data that passed the request schema but not a domain model: still the caller's input."""
    assert isinstance(exc, ValidationError)
    problem = ValidationFailed(
        "the request is not valid", extensions={"errors": _field_errors(exc.errors())}
    )
    return problem_response(problem.to_problem(request.url.path), problem.status)


async def _request_validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc.errors())
    body = {
        "type": problem_type(ValidationFailed.slug),
        "title": ValidationFailed.title,
        "status": 422,
        "detail": "The request is not valid.",
        "instance": request.url.path,
        "errors": errors,
    }
    return problem_response(body, 422)


async def _http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _phrase(exc.status_code)
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": exc.status_code}
    if exc.detail and exc.detail != title:
        body["detail"] = str(exc.detail)
    body["instance"] = request.url.path
    return problem_response(body, exc.status_code, exc.headers)


async def _unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    # Starlette runs this outermost, after the correlation middleware has unbound its context,
    # so the id is recovered from request.state (set there by CorrelationIdMiddleware).
    correlation_id = getattr(request.state, "correlation_id", None)
    _log.error(
        "unhandled exception",
        exc_info=exc,
        path=request.url.path,
        method=request.method,
        correlation_id=correlation_id,
    )
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": "Internal error",
        "status": 500,
        "detail": "An unexpected error occurred.",
        "instance": request.url.path,
    }
    headers: dict[str, str] = {}
    if correlation_id:
        body["correlation_id"] = correlation_id
        headers["X-Correlation-ID"] = correlation_id
    return problem_response(body, 500, headers)


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error of ``app`` as a problem document.

    Unhandled exceptions get a 500 without their message; Starlette re-raises them after the
    response is sent so the server still sees them.
    """
    app.add_exception_handler(DomainRefusal, _refusal_handler)
    app.add_exception_handler(ValidationError, _invalid_model_handler)
    app.add_exception_handler(RequestValidationError, _request_validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(Exception, _unhandled_handler)


_DESCRIPTIONS: Final[Mapping[int, str]] = {
    400: "Bad request",
    401: "Missing or invalid bearer token",
    403: "The caller's roles or state scope do not allow this action",
    404: "Resource not found",
    409: "Conflicts with the current state of the resource",
    412: "If-Match does not match the current version",
    422: "Invalid request or refused by a programme rule",
    428: "A required header is missing: Idempotency-Key (every POST) or If-Match (updates)",
    503: "The store or the broker is unreachable for now; retry after Retry-After seconds",
}


def problem_responses(codes: Iterable[int]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries documenting problem documents for ``codes``."""
    return {
        code: {
            "model": ProblemDetail,
            "description": _DESCRIPTIONS.get(code, _phrase(code)),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _PROBLEM_SCHEMA_REF}}},
        }
        for code in codes
    }


PROBLEM_RESPONSES: Final[dict[int | str, dict[str, Any]]] = problem_responses(
    (400, 401, 403, 404, 409, 412, 422, 428)
)

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_RESPONSES",
    "PROBLEM_TYPE_BASE",
    "BusinessRuleViolation",
    "Conflict",
    "DecisionRefused",
    "DomainError",
    "DomainRefusal",
    "FieldError",
    "Forbidden",
    "InvalidData",
    "Missing",
    "NotFound",
    "OutOfScope",
    "PreconditionFailed",
    "PreconditionRequired",
    "ProblemDetail",
    "RuleViolation",
    "SheetRejected",
    "StateConflict",
    "Unauthorized",
    "Unavailable",
    "ValidationFailed",
    "install_problem_handlers",
    "problem_response",
    "problem_responses",
    "problem_type",
]

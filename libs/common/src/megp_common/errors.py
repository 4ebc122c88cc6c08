"""Domain errors rendered as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any, ClassVar, Final

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
PROBLEM_TYPE_BASE: Final = "https://megp.mx/problems/"
_PROBLEM_SCHEMA_REF: Final = "#/components/schemas/ProblemDetail"
_RESERVED_MEMBERS: Final = frozenset({"type", "title", "status", "detail", "instance"})

_log = structlog.get_logger(__name__)


def problem_type(slug: str) -> str:
    return f"{PROBLEM_TYPE_BASE}{slug}"


class DomainError(Exception):
    """An error the API reports to its caller; subclasses fix the status, title and slug."""

    status: int = 400
    title: str = "Bad request"
    slug: ClassVar[str] = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        title: str | None = None,
        slug: str | None = None,
        type_uri: str | None = None,
        extensions: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if title is not None:
            self.title = title
        self.type_uri = type_uri or problem_type(slug or self.slug)
        self.extensions: dict[str, Any] = dict(extensions or {})
        clashing = _RESERVED_MEMBERS & self.extensions.keys()
        if clashing:
            raise ValueError(f"extensions may not redefine problem members: {sorted(clashing)}")
        self.headers: dict[str, str] = dict(headers or {})

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance is not None:
            body["instance"] = instance
        body.update(self.extensions)
        return body


class NotFound(DomainError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class PreconditionFailed(DomainError):
    """The ``If-Match`` version does not match the resource's current version."""

    status = 412
    title = "Precondition failed"
    slug = "precondition-failed"


class PreconditionRequired(DomainError):
    """A state-changing request arrived without the ``If-Match`` header it needs."""

    status = 428
    title = "Precondition required"
    slug = "precondition-required"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"

    def __init__(
        self,
        detail: str,
        *,
        www_authenticate: str = "Bearer",
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            detail, extensions=extensions, headers={"WWW-Authenticate": www_authenticate}
        )


class ValidationFailed(DomainError):
    status = 422
    title = "Validation failed"
    slug = "validation-failed"


class BusinessRuleViolation(DomainError):
    """A programme rule refuses the action; ``rule`` cites it, e.g. ``"¶72"``."""

    status = 422
    title = "Business rule violation"
    slug = "business-rule-violation"

    def __init__(
        self,
        detail: str,
        *,
        rule: str,
        slug: str | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, slug=slug, extensions={"rule": rule, **(extensions or {})})
        self.rule = rule


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


async def _domain_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(exc.to_problem(request.url.path), exc.status, exc.headers)


async def _request_validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Only loc/msg/type: echoing the rejected input could copy personal data into responses.
    errors = [
        {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", "")), "type": err.get("type")}
        for err in exc.errors()
    ]
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
    app.add_exception_handler(DomainError, _domain_error_handler)
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
    428: "If-Match header required",
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
    (400, 401, 403, 404, 409, 412, 422)
)

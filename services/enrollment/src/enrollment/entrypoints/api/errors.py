"""The domain's refusals as RFC 9457 problem documents (one place maps them all)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from enrollment.domain import errors as domain
from megp_common.errors import (
    BusinessRuleViolation,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ValidationFailed,
    problem_response,
)


def to_problem(exc: domain.DomainRefusal) -> DomainError:
    ext = dict(exc.extensions)
    if isinstance(exc, domain.RuleViolation):
        ext.pop("rule", None)
        return BusinessRuleViolation(exc.detail, rule=exc.rule, extensions=ext)
    if isinstance(exc, domain.DecisionRefused | domain.OutOfScope):
        return Forbidden(exc.detail, extensions=ext)
    if isinstance(exc, domain.StateConflict):
        return Conflict(exc.detail, extensions=ext)
    if isinstance(exc, domain.Missing):
        return NotFound(exc.detail, extensions=ext)
    return ValidationFailed(exc.detail, extensions=ext)


async def _refusal(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, domain.DomainRefusal)
    problem = to_problem(exc)
    return problem_response(problem.to_problem(request.url.path), problem.status)


async def _invalid_model(request: Request, exc: Exception) -> JSONResponse:
    """Data that passed the request schema but not a domain model: still the caller's input."""
    assert isinstance(exc, ValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
        for e in exc.errors()
    ]
    problem = ValidationFailed("the request is not valid", extensions={"errors": errors})
    return problem_response(problem.to_problem(request.url.path), problem.status)


def install(app: FastAPI) -> None:
    app.add_exception_handler(domain.DomainRefusal, _refusal)
    app.add_exception_handler(ValidationError, _invalid_model)

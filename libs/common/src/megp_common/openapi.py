"""Every error a route can answer, documented as a problem document in the OpenAPI schema.

FastAPI documents what a route declares; the answers the platform gives around the route (a
missing token, a body too large, a store that is down, the 422 of request validation) are not
declared anywhere. `document_problems(app)` replaces `app.openapi` with a version that adds them,
each an `application/problem+json` `ProblemDetail`, so that a client (or a fuzzer checking that
every answered status is documented) can rely on the schema:

- every operation: 414 (the query string bound of `megp_common.http_limits`), and 413 when it
  takes a body;
- every operation under `/v1`: 400, 422 and 503; 401 and 403 when it needs a bearer token; 404
  when it has path parameters;
- every POST: 409 and 428, and its `Idempotency-Key` header parameter `required`;
- every operation taking `If-Match`: 412 and 428;
- the platform routes: `/readyz`'s 503 with its readiness body, `/metrics` as Prometheus text.

Responses a route already documents keep their description and schema; only their media type is
made `application/problem+json`, the one the error handlers answer with (FastAPI also lists
`application/json` and, for 422, its own `HTTPValidationError`, which the handlers never send).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field

from megp_common.errors import PROBLEM_MEDIA_TYPE, ProblemDetail

Schema = dict[str, Any]

_COMPONENT_REF: Final = "#/components/schemas/{model}"
_PROBLEM_REF: Final = _COMPONENT_REF.format(model="ProblemDetail")
_METHODS: Final = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
IF_MATCH_HEADER: Final = "If-Match"
#: what `megp_common.metrics.metrics_endpoint` answers with
PROMETHEUS_MEDIA_TYPE: Final = CONTENT_TYPE_LATEST

_DESCRIPTIONS: Final[Mapping[int, str]] = {
    400: "The request could not be read (malformed HTTP, JSON or header values)",
    401: "Missing or invalid bearer token",
    403: "The caller's roles or state scope do not allow this action",
    404: "The resource named in the path does not exist (or is outside the caller's scope)",
    409: "Conflicts with the current state of the resource",
    412: "If-Match names a version other than the current one; read the resource again",
    413: "The request body is larger than the service accepts",
    414: "The query string is longer than the service accepts",
    422: "Invalid request or refused by a programme rule",
    503: "The store or the broker is unreachable; retry later",
}
_PRECONDITION_REQUIRED: Final[Mapping[tuple[bool, bool], str]] = {
    (True, False): "The Idempotency-Key header is missing",
    (False, True): "The If-Match header is missing; read the resource for its ETag",
    (True, True): "The Idempotency-Key or the If-Match header is missing",
}


class Readiness(BaseModel):
    """What `/readyz` answers, ready (200) or not (503)."""

    status: str = Field(description='"ready" or "not ready"', examples=["ready"])
    checks: dict[str, bool] = Field(
        description="Each dependency and whether it is reachable or running",
        examples=[{"mongo": True, "kafka": True, "outbox_relay": True, "consumer": True}],
    )


def document_problems(app: FastAPI) -> None:
    """Make `app.openapi()` return the generated schema completed by `complete_problems`."""
    generate: Callable[[], Schema] = app.openapi

    def openapi() -> Schema:
        if app.openapi_schema is None:
            app.openapi_schema = complete_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete_problems(schema: Mapping[str, Any]) -> Schema:
    """A copy of the OpenAPI `schema` in which every error an operation can give is documented."""
    result: Schema = copy.deepcopy(dict(schema))
    components: Schema = result.setdefault("components", {}).setdefault("schemas", {})
    _add_model(components, ProblemDetail)
    _add_model(components, Readiness)
    for path, item in result.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                _complete_operation(path, method, operation, item.get("parameters", []))
    _drop_unused(result, ("HTTPValidationError", "ValidationError"))
    return result


def _complete_operation(
    path: str, method: str, operation: Schema, shared_parameters: list[Schema]
) -> None:
    parameters: list[Schema] = operation.setdefault("parameters", [])
    located = [(p.get("in"), p.get("name")) for p in [*shared_parameters, *parameters]]
    responses: Schema = operation.setdefault("responses", {})
    is_post = method == "post"
    has_if_match = ("header", IF_MATCH_HEADER) in located
    codes = {414}
    if "requestBody" in operation:
        codes.add(413)
    if path.startswith("/v1/") or path == "/v1":
        codes |= {400, 422, 503}
        if operation.get("security"):
            codes |= {401, 403}
        if any(where == "path" for where, _ in located):
            codes.add(404)
    if is_post:
        codes |= {409, 428}
        _require_idempotency_key(parameters)
    if has_if_match:
        codes |= {412, 428}
    for number in sorted(codes):
        description = _DESCRIPTIONS.get(number) or _PRECONDITION_REQUIRED[(is_post, has_if_match)]
        responses.setdefault(str(number), {"description": description})
    if "428" in responses and (is_post or has_if_match):
        # the generic description names one header; say which ones this operation needs
        responses["428"]["description"] = _PRECONDITION_REQUIRED[(is_post, has_if_match)]
    for code, response in responses.items():
        if code[:1] in ("4", "5"):
            _as_problem(response)
            response.setdefault("description", _phrase(code))
    if path == "/readyz":
        _document_readiness(responses)
    elif path == "/metrics":
        responses["200"] = {
            "description": "Prometheus text exposition of the process's metrics",
            "content": {PROMETHEUS_MEDIA_TYPE: {"schema": {"type": "string"}}},
        }


def _require_idempotency_key(parameters: list[Schema]) -> None:
    """Every POST takes the key (428 without it): mark it required, add it where undeclared."""
    for parameter in parameters:
        if parameter.get("in") == "header" and parameter.get("name") == IDEMPOTENCY_HEADER:
            parameter["required"] = True
            parameter["schema"] = _not_null(parameter.get("schema", {}))
            return
    parameters.append(
        {
            "name": IDEMPOTENCY_HEADER,
            "in": "header",
            "required": True,
            "description": "A client-chosen unique key; a retry with the same key and body "
            "replays the first response instead of acting twice",
            "schema": {"type": "string", "examples": ["0d8f9a1e-6c1b-4f3e-9a55-2f0c2a1d7b10"]},
        }
    )


def _not_null(schema: Schema) -> Schema:
    """`str | None` renders as anyOf [string, null]; a required header is never null."""
    options = schema.get("anyOf")
    if not isinstance(options, list):
        return schema
    kept = [option for option in options if option.get("type") != "null"]
    if len(kept) != 1:
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**kept[0], **rest}


def _as_problem(response: Schema) -> None:
    content: Schema = response.get("content") or {}
    chosen = content.get(PROBLEM_MEDIA_TYPE) or content.get("application/json") or {}
    media_schema = chosen.get("schema")
    if not media_schema or media_schema.get("$ref", "").endswith("/HTTPValidationError"):
        media_schema = {"$ref": _PROBLEM_REF}
    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": media_schema}}


def _document_readiness(responses: Schema) -> None:
    body = {"application/json": {"schema": {"$ref": _COMPONENT_REF.format(model="Readiness")}}}
    responses["200"] = {"description": "Every dependency is reachable", "content": body}
    responses["503"] = {
        "description": "A dependency is unreachable or a consumer is not running; the body "
        "says which",
        "content": copy.deepcopy(body),
    }


def _add_model(components: Schema, model: type[BaseModel]) -> None:
    if model.__name__ in components:
        return
    rendered = model.model_json_schema(ref_template=_COMPONENT_REF)
    for name, definition in rendered.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components[model.__name__] = rendered


def _drop_unused(schema: Schema, names: tuple[str, ...]) -> None:
    components: Schema = schema.get("components", {}).get("schemas", {})
    for name in names:
        if name not in components:
            continue
        others = {key: value for key, value in components.items() if key != name}
        rest = {key: value for key, value in schema.items() if key != "components"}
        text = json.dumps([rest, others])
        if f'"{_COMPONENT_REF.format(model=name)}"' not in text:
            del components[name]


def _phrase(code: str) -> str:
    try:
        return HTTPStatus(int(code)).phrase
    except ValueError:
        return "Error"

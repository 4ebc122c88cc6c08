from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from credit.domain.errors import CreditRuleViolation, InvalidTransition, NotAuthorized
from credit.service_layer.container import Credit
from megp_common.errors import BusinessRuleViolation, Conflict, Forbidden
from megp_common.web import run_idempotent


def _credit(request: Request) -> Credit:
    credit: Credit = request.app.state.container
    return credit


CreditDep = Annotated[Credit, Depends(_credit)]
Key = Annotated[str | None, Header(alias="Idempotency-Key")]


@contextmanager
def domain_errors() -> Iterator[None]:
    """The domain's refusals as problem documents."""
    try:
        yield
    except CreditRuleViolation as exc:
        raise BusinessRuleViolation(str(exc), rule=exc.rule or "RULES.md") from exc
    except NotAuthorized as exc:
        raise Forbidden(str(exc)) from exc
    except InvalidTransition as exc:
        raise Conflict(str(exc)) from exc


async def once(
    credit: Credit,
    scope: str,
    key: str | None,
    payload: Any,
    run: Callable[[], Awaitable[tuple[int, Any]]],
    *,
    required: bool = False,
) -> Any:
    """The body `run` answers, once per Idempotency-Key: a retried transition (its first
    answer lost with a connection) replays that answer instead of refusing a second one."""
    return (await run_idempotent(credit.idempotency, scope, key, payload, run, required=required))[
        1
    ]

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request

from credit.domain.errors import CreditRuleViolation, InvalidTransition, NotAuthorized
from credit.service_layer.container import Credit
from megp_common.errors import BusinessRuleViolation, Conflict, Forbidden


def _credit(request: Request) -> Credit:
    credit: Credit = request.app.state.container
    return credit


CreditDep = Annotated[Credit, Depends(_credit)]


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

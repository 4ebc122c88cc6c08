"""What the programme's rules refuse. Pure exceptions: the API maps each kind to its problem
document (entrypoints/api/errors.py), so the rules stay free of HTTP."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class DomainRefusal(Exception):
    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions: dict[str, Any] = {k: v for k, v in extensions.items() if v is not None}


class InvalidData(DomainRefusal):
    """The data itself is wrong (a CURP whose check digit fails, an unknown state...)."""


class RuleViolation(DomainRefusal):
    """A programme rule refuses the action; `rule` cites the paragraph or the decision."""

    def __init__(self, detail: str, *, rule: str, **extensions: Any) -> None:
        super().__init__(detail, rule=rule, **extensions)
        self.rule = rule


class StateConflict(DomainRefusal):
    """The action conflicts with what already happened (already a member, already closed)."""


class DecisionRefused(DomainRefusal):
    """The actor has no right to take this decision [¶55]."""


class Missing(DomainRefusal):
    """Something the action refers to does not exist."""


class SheetRejected(DomainRefusal):
    """A whole sheet refused at once, listing every line's problem."""

    def __init__(self, detail: str, problems: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(detail, problems=[dict(p) for p in problems])
        self.problems = [dict(p) for p in problems]


class OutOfScope(DomainRefusal):
    """The caller may not act in this federal entity."""

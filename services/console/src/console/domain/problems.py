"""A service's problem document (RFC 9457) in plain words, next to the field it concerns.

The console keeps the service's own `detail` (shown smaller, for whoever must report it) and
puts a short sentence the person can act on first. The sentences are message ids: the page
translates them (Babel catalogues), so this module stays free of any framework."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:
    """Marks a message id for the catalogues; translated where the page is drawn."""
    return message


#: plain words per problem type (the slug after https://megp.mx/problems/)
BY_SLUG: dict[str, str] = {
    "validation-failed": N_("Please check the data marked below."),
    "not-found": N_("This record does not exist, or is not visible to you."),
    "forbidden": N_("Your role does not allow this."),
    # the donor gate: a route not open to donor portals (`megp_common.auth.donors`)
    "not-for-donor-portals": N_("Your role does not allow this."),
    "out-of-scope": N_("This record belongs to a state outside your scope."),
    "conflict": N_("Someone changed this record meanwhile, or it was already done."),
    "decision-refused": N_("Only the group's board representatives decide this."),
    "business-rule-violation": N_("A programme rule does not allow this."),
    "unauthorized": N_("Your session has ended; please sign in again."),
    "unavailable": N_("The service is busy or unreachable; try again in a moment."),
    "precondition-required": N_("The request lacked its key; please try again."),
}
#: plain words per pydantic error type (a field's refusal)
BY_FIELD_ERROR: dict[str, str] = {
    "missing": N_("This field is required."),
    "string_pattern_mismatch": N_("This value does not have the expected form."),
    "decimal_max_places": N_("Use at most two decimals."),
    "decimal_parsing": N_("Write an amount, such as 1250.50."),
    "greater_than": N_("The amount must be greater than zero."),
    "greater_than_equal": N_("The amount cannot be negative."),
    "less_than_equal": N_("The amount is larger than allowed."),
    "string_too_short": N_("This value is too short."),
    "string_too_long": N_("This value is too long."),
    "date_from_datetime_parsing": N_("Write a date."),
    "extra_forbidden": N_("This field is not expected."),
}
FALLBACK = N_("The service refused the request.")
FIELD_FALLBACK = N_("This value is not accepted.")


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    message: str
    detail: str


@dataclass(frozen=True, slots=True)
class PlainProblem:
    message: str
    detail: str
    rule: str | None
    status: int
    fields: list[FieldProblem] = field(default_factory=list)

    def for_field(self, name: str) -> list[FieldProblem]:
        return [f for f in self.fields if f.field == name]


def slug_of(problem: dict[str, Any]) -> str:
    return str(problem.get("type") or "").rsplit("/", 1)[-1]


def plain(problem: dict[str, Any], status: int) -> PlainProblem:
    fields = [
        FieldProblem(
            field=str(next((p for p in reversed(e.get("loc") or []) if isinstance(p, str)), "")),
            message=BY_FIELD_ERROR.get(str(e.get("type")), FIELD_FALLBACK),
            detail=str(e.get("msg", "")),
        )
        for e in problem.get("errors") or []
        if isinstance(e, dict)
    ]
    named = problem.get("field")
    if isinstance(named, str) and named and not fields:
        # a rule refusing one field's value (e.g. a session not held yet) names it
        fields.append(
            FieldProblem(
                field=named,
                message=BY_SLUG.get(slug_of(problem), FALLBACK),
                detail=str(problem.get("detail") or ""),
            )
        )
    rule = problem.get("rule")
    return PlainProblem(
        message=BY_SLUG.get(slug_of(problem), FALLBACK),
        detail=str(problem.get("detail") or problem.get("title") or ""),
        rule=str(rule) if rule else None,
        status=status,
        fields=fields,
    )

"""Why the platform refuses a request: one exception tree for every service.

Pure Python (no web framework): a service's `domain/` raises these, and one handler installed by
the app factory (`megp_common.errors.install_problem_handlers`) renders any of them as an
RFC 9457 problem document. A refusal carries its HTTP status, a problem type (slug), the rule
it applies (`rule`, a paragraph of RULES.md such as ``"¶72"``), and data for the caller
(extension members of the problem document).

Two spellings name the same classes, so the domain reads in the programme's words and the web
layer in HTTP's: `Missing` is `NotFound`, `StateConflict` is `Conflict`, `InvalidData` is
`ValidationFailed`, `RuleViolation` is `BusinessRuleViolation`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Final

PROBLEM_TYPE_BASE: Final = "https://megp.mx/problems/"
RESERVED_MEMBERS: Final = frozenset({"type", "title", "status", "detail", "instance"})


def problem_type(slug: str) -> str:
    return f"{PROBLEM_TYPE_BASE}{slug}"


class DomainRefusal(Exception):
    """A request the platform refuses; subclasses fix the status, title and slug.

    `extensions` (a mapping) and keyword `data` both become members of the problem document;
    members whose value is None are left out. `headers` go on the HTTP answer (Retry-After,
    WWW-Authenticate).
    """

    status: ClassVar[int] = 400
    title: str = "Bad request"
    slug: ClassVar[str] = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        rule: str | None = None,
        title: str | None = None,
        slug: str | None = None,
        type_uri: str | None = None,
        extensions: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **data: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.rule = rule
        if title is not None:
            self.title = title
        self.type_uri = type_uri or problem_type(slug or self.slug)
        merged = {**dict(extensions or {}), **data}
        if rule is not None:
            merged["rule"] = rule
        clashing = RESERVED_MEMBERS & merged.keys()
        if clashing:
            raise ValueError(f"extensions may not redefine problem members: {sorted(clashing)}")
        self.extensions: dict[str, Any] = {k: v for k, v in merged.items() if v is not None}
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


class NotFound(DomainRefusal):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(DomainRefusal):
    """The action conflicts with what already happened (already a member, already closed)."""

    status = 409
    title = "Conflict"
    slug = "conflict"


class PreconditionFailed(DomainRefusal):
    """The ``If-Match`` version does not match the resource's current version."""

    status = 412
    title = "Precondition failed"
    slug = "precondition-failed"


class PreconditionRequired(DomainRefusal):
    """A request arrived without a header it needs (``If-Match``, ``Idempotency-Key``)."""

    status = 428
    title = "Precondition required"
    slug = "precondition-required"


class Forbidden(DomainRefusal):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class DecisionRefused(Forbidden):
    """The caller has no right to take this decision [¶55]."""


class OutOfScope(Forbidden):
    """The caller may not act in this federal entity."""


class NotThisBank(Forbidden):
    """A partner bank's token outside its bank: a route not open to banks, or a fund, loan or
    subscription of another bank (`megp_common.auth.banks`)."""

    slug = "not-this-bank"


class NotForDonors(Forbidden):
    """A donor portal's token outside its association: a route not open to portals (a write
    among them: a donation gives no decision right [¶55]), or a record of another association
    or community (`megp_common.auth.donors`)."""

    slug = "not-for-donor-portals"


class Unauthorized(DomainRefusal):
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


class ValidationFailed(DomainRefusal):
    """The data itself is wrong (a CURP whose check digit fails, an unknown state...)."""

    status = 422
    title = "Validation failed"
    slug = "validation-failed"


class BusinessRuleViolation(DomainRefusal):
    """A programme rule refuses the action; ``rule`` cites it, e.g. ``"¶72"``."""

    status = 422
    title = "Business rule violation"
    slug = "business-rule-violation"

    def __init__(self, detail: str, *, rule: str, **kwargs: Any) -> None:
        super().__init__(detail, rule=rule, **kwargs)
        self.rule: str = rule


class SheetRejected(ValidationFailed):
    """A whole sheet refused at once, listing every line's problem."""

    def __init__(self, detail: str, problems: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(detail, problems=[dict(p) for p in problems])
        self.problems = [dict(p) for p in problems]


class Unavailable(DomainRefusal):
    """The service cannot serve the request now; the caller retries after `retry_after_s`."""

    status = 503
    title = "Service unavailable"
    slug = "unavailable"

    def __init__(self, detail: str, *, retry_after_s: int = 1, **kwargs: Any) -> None:
        headers = {"Retry-After": str(max(1, retry_after_s)), **dict(kwargs.pop("headers", {}))}
        super().__init__(detail, headers=headers, **kwargs)


# The programme's words for the same refusals.
Missing = NotFound
StateConflict = Conflict
InvalidData = ValidationFailed
RuleViolation = BusinessRuleViolation

__all__ = [
    "BusinessRuleViolation",
    "Conflict",
    "DecisionRefused",
    "DomainRefusal",
    "Forbidden",
    "InvalidData",
    "Missing",
    "NotForDonors",
    "NotFound",
    "NotThisBank",
    "OutOfScope",
    "PreconditionFailed",
    "PreconditionRequired",
    "RuleViolation",
    "SheetRejected",
    "StateConflict",
    "Unauthorized",
    "Unavailable",
    "ValidationFailed",
    "problem_type",
]

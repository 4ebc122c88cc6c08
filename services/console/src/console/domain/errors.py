"""What the console refuses, in megp_common.refusals' names, and a service's refusal carried
back to the page that caused it."""

from __future__ import annotations

from typing import Any

from megp_common.refusals import DomainRefusal, Forbidden, Unavailable, ValidationFailed

__all__ = ["Forbidden", "ServiceRefused", "ServiceUnreachable", "ValidationFailed"]


class ServiceRefused(DomainRefusal):
    """A service answered a problem document (RFC 9457); the page shows it in plain words."""

    def __init__(self, service: str, status: int, problem: dict[str, Any]) -> None:
        super().__init__(str(problem.get("detail") or problem.get("title") or status))
        self.service = service
        self.status_code = status
        self.problem = problem


class ServiceUnreachable(Unavailable):
    """A service could not be reached (down, or the network): the page says so, and a sheet
    kept in the browser is sent again later with the same Idempotency-Key."""

    def __init__(self, service: str) -> None:
        super().__init__(f"the {service} service cannot be reached now", retry_after_s=5)
        self.service = service

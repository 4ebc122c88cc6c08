"""What the programme's rules refuse: the platform's one refusal tree (`megp_common.refusals`),
named as enrollment's rules name them. One handler installed by the app factory renders each as
its RFC 9457 problem document, so the rules stay free of HTTP."""

from __future__ import annotations

from megp_common.refusals import (
    DecisionRefused,
    DomainRefusal,
    InvalidData,
    Missing,
    OutOfScope,
    RuleViolation,
    SheetRejected,
    StateConflict,
)

__all__ = [
    "DecisionRefused",
    "DomainRefusal",
    "InvalidData",
    "Missing",
    "OutOfScope",
    "RuleViolation",
    "SheetRejected",
    "StateConflict",
]

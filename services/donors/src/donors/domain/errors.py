"""Why the donors service refuses something, in the platform's one refusal tree
(`megp_common.refusals`); the app factory's handler renders each as its problem document."""

from __future__ import annotations

from megp_common.refusals import (
    DecisionRefused,
    NotFound,
    OutOfScope,
    RuleViolation,
    StateConflict,
)


class DonorRuleViolation(RuleViolation):
    """A programme rule refuses the donation, refund or programme (422), with its paragraph."""

    def __init__(self, detail: str, rule: str | None = None, **data: object) -> None:
        super().__init__(detail, rule=rule or "RULES.md", **data)


#: The caller may not do this (403): only an association's own portal gives for it, only a
#: national supervisor registers, only a co-funder pays its pledge [¶55].
NotAllowed = DecisionRefused
#: The group is not in the association's community of origin (403).
OutsideOrigin = OutOfScope
#: The record does not exist or is not the caller's to see (404).
Unknown = NotFound
#: The record is not in a state where this can happen (409): a pledge paid twice.
WrongState = StateConflict

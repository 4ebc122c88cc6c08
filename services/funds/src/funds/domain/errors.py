"""What the fund's rules refuse, in the platform's one refusal tree (`megp_common.refusals`);
the app factory's handler renders each as its problem document."""

from __future__ import annotations

from megp_common.refusals import (
    DecisionRefused,
    DomainRefusal,
    InvalidData,
    RuleViolation,
    StateConflict,
)

#: Any refusal of the fund's rules.
FundError = DomainRefusal


class RuleBroken(RuleViolation):
    """A programme rule refuses the action (422); `rule` cites it."""

    def __init__(self, detail: str, rule: str) -> None:
        super().__init__(detail, rule=rule)


#: The caller may not decide this (403): decision rights [¶55], a member's own share [¶74].
NotAllowed = DecisionRefused
#: The fund's group has not been formed yet (409).
FundNotOpen = StateConflict
#: The request names something that cannot be (422).
InvalidInput = InvalidData

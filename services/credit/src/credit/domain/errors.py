"""Why the credit domain refuses something, in the platform's one refusal tree
(`megp_common.refusals`); the app factory's handler renders each as its problem document."""

from __future__ import annotations

from megp_common.refusals import DecisionRefused, RuleViolation, StateConflict


class CreditRuleViolation(RuleViolation):
    """A programme rule refuses the action (422), with the paragraph it comes from."""

    def __init__(self, detail: str, rule: str | None = None) -> None:
        super().__init__(detail, rule=rule or "RULES.md")


#: The caller may not take this decision (403) [¶55].
NotAuthorized = DecisionRefused
#: The loan is not in a state where this can happen (409).
InvalidTransition = StateConflict

"""Why the ip-counsel domain refuses something, in the platform's one refusal tree
(`megp_common.refusals`); the app factory's handler renders each as its problem document.

A refusal never carries a disclosure's content: its detail and data name ids, numbers and
rules only, since problem documents are logged and shown to whoever asked."""

from __future__ import annotations

from megp_common.refusals import DecisionRefused, Forbidden, RuleViolation, StateConflict


class IpRuleViolation(RuleViolation):
    """A programme rule refuses the action (422), with the paragraph it comes from."""

    def __init__(self, detail: str, rule: str | None = None, **data: object) -> None:
        super().__init__(detail, rule=rule or "RULES.md", **data)


class OutsideTheCircle(Forbidden):
    """The caller is not among those the secrecy rule lets act on this disclosure (403) [¶3]."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, rule="¶3", slug="outside-the-circle", title="Secret")


#: The caller may not take this decision (403) [¶55].
NotAuthorized = DecisionRefused
#: The disclosure or review is not in a state where this can happen (409).
InvalidTransition = StateConflict

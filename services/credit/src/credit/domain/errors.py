"""Why the credit domain refuses something; the API maps each to its HTTP status."""


class CreditRuleViolation(Exception):
    """A programme rule refuses the action (422), with the paragraph it comes from."""

    def __init__(self, detail: str, rule: str | None = None) -> None:
        super().__init__(detail)
        self.rule = rule


class NotAuthorized(Exception):
    """The caller may not take this decision (403) [¶55]."""


class InvalidTransition(Exception):
    """The loan is not in a state where this can happen (409)."""

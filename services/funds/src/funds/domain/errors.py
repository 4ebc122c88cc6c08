"""What the fund's rules refuse; the API turns each into its HTTP problem."""

from __future__ import annotations


class FundError(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class RuleBroken(FundError):
    """A programme rule refuses the action (422); `rule` cites it."""

    def __init__(self, detail: str, rule: str) -> None:
        super().__init__(detail)
        self.rule = rule


class NotAllowed(FundError):
    """The caller may not decide this (403): decision rights [¶55], a member's own share [¶74]."""


class FundNotOpen(FundError):
    """The fund's group has not been formed yet (409)."""


class InvalidInput(FundError):
    """The request names something that cannot be (422)."""

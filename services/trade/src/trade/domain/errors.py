"""Why the trade domain refuses something, in the platform's one refusal tree
(`megp_common.refusals`); the app factory's handler renders each as its problem document."""

from __future__ import annotations

from megp_common.refusals import DecisionRefused, RuleViolation, StateConflict


class TradeRuleViolation(RuleViolation):
    """A programme rule refuses the action (422), with the paragraph it comes from."""

    def __init__(self, detail: str, rule: str | None = None) -> None:
        super().__init__(detail, rule=rule or "RULES.md")


class StockShort(StateConflict):
    """Not enough units left for a line (409): says what is left, so the buyer can order that."""

    def __init__(self, product_id: str, requested: int, available: int) -> None:
        super().__init__(
            f"product {product_id} has {available} units left; {requested} were asked for",
            slug="stock-short",
            title="Not enough stock",
            product_id=product_id,
            requested=requested,
            available=available,
        )
        self.product_id, self.requested, self.available = product_id, requested, available


#: The caller may not take this decision (403) [¶55, ¶94].
NotAuthorized = DecisionRefused
#: The order or product is not in a state where this can happen (409).
InvalidTransition = StateConflict

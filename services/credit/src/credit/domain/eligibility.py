"""Whether a loan application may proceed [¶82-¶84]."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from credit.domain.errors import CreditRuleViolation


@dataclass(frozen=True)
class PastLoan:
    amount: Decimal
    on_time: bool


def check_application(
    amount: Decimal,
    available: Decimal,
    last_repaid: PastLoan | None,
    repeat_multiple: Decimal = Decimal("1.5"),
) -> None:
    """Refuse above the line's available amount, and, for a borrower who repaid their last loan
    on time, above `repeat_multiple` x that loan."""
    if amount <= 0:
        raise CreditRuleViolation("the amount must be positive")
    if amount > available:
        raise CreditRuleViolation(
            f"{amount} is above what the credit line has available ({available})", rule="¶79"
        )
    if last_repaid is not None and last_repaid.on_time:
        ceiling = last_repaid.amount * repeat_multiple
        if amount > ceiling:
            raise CreditRuleViolation(
                f"{amount} is above {repeat_multiple} x the last loan repaid on time "
                f"({last_repaid.amount}), that is {ceiling}",
                rule="¶84",
            )

"""What the fund paid for a group's borrowers and whether they paid it back [¶76-¶77, ¶84].

When an instalment falls due the trust pays it from the group's fund; the borrower then owes the
fund and replenishes it. Funds announces both (`FundRepaymentMade` names the instalment,
`ReplenishmentReceived` names only the borrower and the amount), so credit keeps, per group, the
instalments the fund paid and covers them with each replenishment, oldest first, as funds' own
debt does. An instalment is replenished on the day the last centavo of it came back; one still
open when the board issues its notice of non-fulfillment [¶77] was not replenished in time.
Funds issues one notice per unpaid stretch (from the day a borrower first owes the fund to the
day they owe nothing): an instalment the fund pays for a borrower whose stretch is already under
notice joins that stretch, and no other notice will come for it, so it is not replenished in
time either. This also holds when the notice and the payment happen on one day and the notice is
heard first.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel

from megp_common.aggregate import Aggregate


class FundPaidInstalment(BaseModel):
    loan_id: str
    number: int
    borrower_id: str
    amount: Decimal
    paid_on: date
    replenished: Decimal = Decimal(0)
    replenished_on: date | None = None
    noticed_on: date | None = None
    carried: bool = False  # the loan knows what is decided here

    @property
    def open(self) -> bool:
        return self.replenished_on is None


class FundRepayments(Aggregate):
    """Its id is the project group's id (the fund's id)."""

    #: the group's state, as the first event about the book told it (its shard key's)
    state: str | None = None
    items: list[FundPaidInstalment] = []
    #: borrower -> the day of the notice their current unpaid stretch is under
    under_notice: dict[str, date] = {}

    def paid(self, loan_id: str, number: int, borrower_id: str, amount: Decimal, on: date) -> None:
        """The fund paid this instalment; paying it twice records it once. Paid inside a stretch
        already under notice, it is noticed with it (see the module's note)."""
        if any(i.loan_id == loan_id and i.number == number for i in self.items):
            return
        noticed = self.under_notice.get(borrower_id)
        self.items.append(
            FundPaidInstalment(
                loan_id=loan_id,
                number=number,
                borrower_id=borrower_id,
                amount=amount,
                paid_on=on,
                noticed_on=None if noticed is None else max(noticed, on),
            )
        )

    def _open_of(self, borrower_id: str) -> list[FundPaidInstalment]:
        mine = [i for i in self.items if i.borrower_id == borrower_id and i.open]
        return sorted(mine, key=lambda i: (i.paid_on, i.loan_id, i.number))

    def replenished(
        self, borrower_id: str, amount: Decimal, still_owed: Decimal, on: date
    ) -> list[tuple[str, int, date]]:
        """Cover the borrower's oldest open instalments with `amount`; when funds says they owe
        nothing more, every one of theirs is covered. Returns the instalments covered now."""
        covered: list[tuple[str, int, date]] = []
        left = amount
        for item in self._open_of(borrower_id):
            if left <= 0 and still_owed > 0:
                break
            take = min(left, item.amount - item.replenished)
            item.replenished += take
            left -= take
            if item.replenished >= item.amount or still_owed <= 0:
                item.replenished, item.replenished_on = item.amount, on
                covered.append((item.loan_id, item.number, on))
        if not self._open_of(borrower_id):
            self.under_notice.pop(borrower_id, None)  # the stretch is over
        return covered

    def noticed(self, borrower_id: str, on: date) -> list[tuple[str, int]]:
        """The board's notice of non-fulfillment: every instalment of the borrower still open
        was not replenished in time, whether the fund paid it before the notice or (inside the
        same stretch, heard in either order) after it; one paid later is noticed on its day."""
        self.under_notice[borrower_id] = on
        hit = []
        for item in self._open_of(borrower_id):
            if item.noticed_on is None:
                item.noticed_on = max(on, item.paid_on)
                hit.append((item.loan_id, item.number))
        return hit

    def to_carry(self) -> list[FundPaidInstalment]:
        """Instalments whose replenishment is known (replenished, or noticed) and whose loan was
        not told yet."""
        return [
            i
            for i in self.items
            if not i.carried and (i.replenished_on is not None or i.noticed_on is not None)
        ]

    def carried(self, keys: set[tuple[str, int]]) -> None:
        """These (loan id, instalment number) now hold what was decided here."""
        for item in self.to_carry():
            if (item.loan_id, item.number) in keys:
                item.carried = True

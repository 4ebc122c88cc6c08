"""The period sheet (the collection sheet): each member's income and deposit for one month,
entered on one screen and sent as one sheet.

One sheet becomes two requests, each all or nothing at its service: the incomes close the
group's period at enrollment (`POST /groups/{id}/period-closings`), the deposits are one
journal entry at funds (`POST /funds/{id}/deposit-sheets`). Both carry the Idempotency-Key the
browser made when the sheet was started, so a sheet sent again (after a lost answer, or twice
by a flaky connection) is recorded once and answered as the first time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_AMOUNT = Decimal("100000000.00")


@dataclass(frozen=True, slots=True)
class SheetLine:
    participant_id: str
    income: Decimal | None
    deposit: Decimal | None


@dataclass(slots=True)
class LineOutcome:
    """What became of one line: `problems` in the service's words, keyed by the field."""

    participant_id: str
    problems: dict[str, list[str]] = field(default_factory=dict)

    def refuse(self, field_name: str, message: str) -> None:
        self.problems.setdefault(field_name, []).append(message)

    @property
    def refused(self) -> bool:
        return bool(self.problems)


def amount(text: str | None) -> Decimal | None:
    """An amount as typed (es-MX or plain: "1,234.50", "1234.5", "$ 80"); None when empty.
    ValueError when it is not a non-negative amount with at most two decimals."""
    if text is None:
        return None
    cleaned = text.replace("$", "").replace(",", "").replace(" ", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not value.is_finite() or value < 0:
        raise ValueError("negative")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValueError("more than two decimals")
    if value > MAX_AMOUNT:
        raise ValueError("too large")
    return value.quantize(Decimal("0.01"))


def month_start(text: str) -> date:
    """The first day of the month named "YYYY-MM" or "YYYY-MM-DD"."""
    parts = text.split("-")
    if len(parts) not in (2, 3):
        raise ValueError("not a month")
    return date(int(parts[0]), int(parts[1]), 1)


def closing_body(period_start: date, lines: list[SheetLine]) -> dict[str, Any] | None:
    incomes = [
        {"participant_id": line.participant_id, "income": f"{line.income:.2f}"}
        for line in lines
        if line.income is not None
    ]
    if not incomes:
        return None
    return {"period_start": period_start.isoformat(), "incomes": incomes}


def deposit_body(lines: list[SheetLine]) -> dict[str, Any] | None:
    deposits = [
        {"participant_id": line.participant_id, "amount": f"{line.deposit:.2f}"}
        for line in lines
        if line.deposit is not None and line.deposit > 0
    ]
    return {"deposits": deposits} if deposits else None


def place_problem(
    outcomes: dict[str, LineOutcome],
    field_name: str,
    problem: dict[str, Any],
    sent: list[str],
) -> list[str]:
    """Put a service's refusal of a sheet next to the lines it names; what names no line is
    returned, for the sheet as a whole.

    Enrollment lists a sheet's problems per line (`problems: [{participant_id, problem}]`);
    a request-schema refusal points at a line by its position (`errors: [{loc, msg}]`, loc
    `["body", "incomes", 3, "income"]`, 3 counting the lines `sent`); funds names the member
    in its detail."""
    ordered = sent
    left: list[str] = []
    for item in problem.get("problems") or []:
        pid = item.get("participant_id") if isinstance(item, dict) else None
        message = str(item.get("problem", "")) if isinstance(item, dict) else str(item)
        if pid in outcomes:
            outcomes[pid].refuse(field_name, message)
        else:
            left.append(message)
    for error in problem.get("errors") or []:
        loc = error.get("loc") or []
        index = next((p for p in loc if isinstance(p, int)), None)
        if index is not None and 0 <= index < len(ordered):
            outcomes[ordered[index]].refuse(field_name, str(error.get("msg", "")))
        else:
            left.append(str(error.get("msg", "")))
    if not problem.get("problems") and not problem.get("errors"):
        detail = str(problem.get("detail") or problem.get("title") or "")
        named = [pid for pid in ordered if pid in detail]
        for pid in named:
            outcomes[pid].refuse(field_name, detail)
        if not named:
            left.append(detail)
    return [m for m in left if m]

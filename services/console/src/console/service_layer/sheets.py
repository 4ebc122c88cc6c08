"""Sending a period sheet: the incomes to enrollment, the deposits to funds, both under the
sheet's own Idempotency-Key, and every line's answer gathered for the page.

A part already recorded is sent again unchanged when the sheet is sent again (its answer is
replayed by the service, never recorded twice); the page locks the lines of a recorded part so
they cannot change under the same key."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from console.adapters.api import Caller
from console.domain.errors import ServiceRefused
from console.domain.problems import plain
from console.domain.sheet import (
    LineOutcome,
    SheetLine,
    closing_body,
    deposit_body,
    place_problem,
)


@dataclass
class SheetAnswer:
    outcomes: dict[str, LineOutcome]
    recorded: list[str] = field(default_factory=list)  # "incomes", "deposits"
    refused: list[str] = field(default_factory=list)
    sheet_problems: list[str] = field(default_factory=list)
    closing: Any = None
    deposit_entry: Any = None

    @property
    def complete(self) -> bool:
        return not self.refused and not any(o.refused for o in self.outcomes.values())


async def send_sheet(
    caller: Caller, group_id: str, period_start: date, lines: list[SheetLine], key: str
) -> SheetAnswer:
    answer = SheetAnswer({line.participant_id: LineOutcome(line.participant_id) for line in lines})
    closing = closing_body(period_start, lines)
    if closing is not None:
        sent = [i["participant_id"] for i in closing["incomes"]]
        try:
            answer.closing = await caller.post(
                "enrollment", f"/groups/{group_id}/period-closings", closing, key=key
            )
            answer.recorded.append("incomes")
        except ServiceRefused as refused:
            answer.refused.append("incomes")
            answer.sheet_problems += _sheet_level(
                place_problem(answer.outcomes, "income", refused.problem, sent), refused
            )
    deposits = deposit_body(lines)
    if deposits is not None:
        sent = [d["participant_id"] for d in deposits["deposits"]]
        try:
            answer.deposit_entry = await caller.post(
                "funds", f"/funds/{group_id}/deposit-sheets", deposits, key=key
            )
            answer.recorded.append("deposits")
        except ServiceRefused as refused:
            answer.refused.append("deposits")
            answer.sheet_problems += _sheet_level(
                place_problem(answer.outcomes, "deposit", refused.problem, sent), refused
            )
    return answer


def _sheet_level(left: list[str], refused: ServiceRefused) -> list[str]:
    if not left:
        return []
    words = plain(refused.problem, refused.status_code)
    return [f"{refused.service}: {m}" for m in left] or [words.detail]

"""Who invented it, and in which shares [¶3]: the co-inventors of a disclosure."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from pydantic import BaseModel

from ip_counsel.domain.errors import IpRuleViolation
from ip_counsel.domain.people import ParticipantRecord

HUNDRED: Final = Decimal(100)


class CoInventor(BaseModel):
    participant_id: str
    share: Decimal


def check_shares(inventors: list[CoInventor], known: dict[str, ParticipantRecord]) -> None:
    """Every co-inventor is a participant with the inventor flag, named once, with a positive
    share; the shares sum to exactly 100 % [¶3]."""
    if not inventors:
        raise IpRuleViolation("a disclosure names at least one inventor", field="inventors")
    ids = [i.participant_id for i in inventors]
    if len(set(ids)) != len(ids):
        raise IpRuleViolation("each co-inventor is named once", field="inventors")
    for i in inventors:
        record = known.get(i.participant_id)
        if record is None or not record.inventor:
            raise IpRuleViolation(
                f"participant {i.participant_id} is not an inventor of the programme [¶20]",
                rule="¶20",
                field="inventors",
                participant_id=i.participant_id,
            )
        if not Decimal(0) < i.share <= HUNDRED:
            raise IpRuleViolation(
                "each co-inventor's share is more than 0 and at most 100 %", field="inventors"
            )
    total = sum((i.share for i in inventors), Decimal(0))
    if total != HUNDRED:
        raise IpRuleViolation(
            f"the co-inventors' shares sum to {total} %, not 100 %",
            field="inventors",
            total=str(total),
        )

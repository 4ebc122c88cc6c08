"""A project as donors may see it: a project group's public data, learnt from enrollment's,
funds' and trade's events [¶53]. Only what describes the group as a whole is kept: its name and
activity, its ODF, state and municipality, the trust bank, how many members it has, how many
take part in each specific programme, and its outcomes in aggregate (the members' incremental
income summed per period, sales through the marketplace per month).

Enrollment's participant events carry a CURP, a birth date and names: none of that is kept.
A participant's id and programmes are kept (in `programmes`, never shown) only to count
participation when a member joins, changes or leaves; a named person's income never reaches
this service (a period's results are summed as they arrive)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from megp_common.aggregate import Aggregate

#: How many period outcomes a project keeps (ten years of monthly closings).
PERIODS_KEPT = 120


class PeriodOutcome(BaseModel):
    """One closed period of the group, in aggregate."""

    model_config = ConfigDict(frozen=True)

    period_start: date
    period_end: date
    members_reporting: int
    members_with_increase: int
    total_income_cents: int
    incremental_income_cents: int = 0


class Project(Aggregate):
    name: str | None = None
    activity: str | None = None
    state: str | None = None
    municipality: str | None = None
    odf_id: str | None = None
    odf_name: str | None = None
    trust_bank: str | None = None
    formed: bool = False
    fund_open: bool = False
    members: list[str] = []
    #: participant id -> their specific programmes (private: only counts are shown)
    programmes: dict[str, list[str]] = {}
    periods: list[PeriodOutcome] = []
    #: "YYYY-MM" -> pesos (centavos) sold through the marketplace
    sales_cents: dict[str, int] = {}
    sale_orders: int = 0

    def state_code(self) -> str | None:
        return self.state

    def participation(self) -> dict[str, int]:
        """How many active members take part in each specific programme."""
        counts: dict[str, int] = {}
        for participant in self.members:
            for name in self.programmes.get(participant, []):
                counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items()))

    def join(self, participant_id: str) -> None:
        if participant_id not in self.members:
            self.members = sorted([*self.members, participant_id])

    def leave(self, participant_id: str) -> None:
        self.members = [m for m in self.members if m != participant_id]
        self.programmes.pop(participant_id, None)

    def take_part(self, participant_id: str, programmes: list[str]) -> None:
        self.programmes[participant_id] = sorted(set(programmes))

    def closed(self, outcome: PeriodOutcome) -> None:
        kept = [p for p in self.periods if p.period_start != outcome.period_start]
        self.periods = sorted([*kept, outcome], key=lambda p: p.period_start)[-PERIODS_KEPT:]

    def sold(self, month: str, cents: int) -> None:
        self.sales_cents[month] = self.sales_cents.get(month, 0) + cents
        self.sale_orders += 1

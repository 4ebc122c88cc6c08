"""Step B of a month, on its 15th: once every instalment due by then is settled, some overdue
ones are paid directly, some of what the fund paid for the ODF is replenished, a loan may be
applied for and the group's lease is worked (the credit flows are in `credit`); then the
group's members sell through the marketplace and, once a year, the ODF opens a purchasing
round (`market`); a licensee of the group's inventors reports last month's sales and pays the
royalty (`inventors`)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from megp_common.testing import payloads
from megp_simulation import credit, inventors, market
from megp_simulation.model import Group

if TYPE_CHECKING:
    from megp_simulation.scenario import Simulation


def mid_month(sim: Simulation, g: Group, month: int) -> None:
    credit.settle_instalments(sim, g)
    credit.pay_overdue(sim, g)
    replenish(sim, g, month)
    credit.maybe_borrow(sim, g, month)
    credit.maybe_take_over(sim, g, month)
    credit.work_lease(sim, g, month)
    market.sell(sim, g, month)
    market.open_round(sim, g, month)
    inventors.royalty(sim, g, month)


def replenish(sim: Simulation, g: Group, month: int) -> None:
    """Pay back, most of the time, what the fund paid for a borrower (never when struggling)."""
    r = g.rng
    debts = sim.api.call("funds", "GET", f"/funds/{g.group_id}/debts")
    for debt in debts:
        owed = Decimal(debt["owed"])
        if owed > 0 and not g.struggling and r.random() < 0.6:
            sim.api.call(
                "funds",
                "POST",
                f"/funds/{g.group_id}/replenishments",
                "odf_staff",
                claims=g.staff(),
                key=sim.key("back", g.group_id, debt["borrower_id"], month),
                json=payloads.replenishment(debt["borrower_id"], owed),
            )
            g.replenished += owed

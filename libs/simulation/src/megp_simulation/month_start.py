"""Step A of a month, on its 1st: a purchasing round whose closing date passed is closed and
its quote chosen, the wait until enrollment counted the sales of the month just ended, the
group's period sheet for the month just ended, the wait for funds'
deposit obligations, the deposits that fall due now, now and then a grant, and from the fund's
fourth year some members' withdrawals.

The sheet's income is what the member earned outside the marketplace (the seeded path, as
before sales were simulated): it is kept, not reduced by the sales, and enrollment adds the
sales it counted from trade, so a seller's income, deposit due and the ODF's share rise with
what they sold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from megp_common.testing import payloads
from megp_simulation import market
from megp_simulation.model import DONORS, Group, Member, add_months, money
from megp_simulation.progress import LOCK

if TYPE_CHECKING:
    from megp_simulation.scenario import Simulation


def income(g: Group, m: Member, month: int) -> Decimal:
    noise = Decimal(str(round(g.rng.uniform(-0.04, 0.06), 4)))
    factor = Decimal(str(round((1 + m.growth) ** (month + 1), 6))) + noise
    return money(m.baseline * max(factor, Decimal("0.5")))


def close_month(sim: Simulation, g: Group, month: int) -> None:
    api, r, staff = sim.api, g.rng, g.staff()
    market.close_rounds(sim, g)  # a round whose closing date the clock just passed
    period = add_months(sim.plan_start, month)
    market.wait_for_sales(sim, g, period)  # sold on the 15th: counted before the closing
    incomes = {m.pid: income(g, m, month) for m in g.members}
    if month < 2 and all(incomes[m.pid] <= m.baseline for m in g.members):
        first = g.members[0]  # the line needs a positive first deposit
        incomes[first.pid] = first.baseline + Decimal(1000)
    closed = api.call(
        "enrollment",
        "POST",
        f"/groups/{g.group_id}/period-closings",
        "odf_staff",
        claims=staff,
        key=sim.key("close", g.group_id, period),
        json=payloads.period_closing(period, incomes),
    )
    owed = {
        line["participant_id"]: Decimal(line["result"]["deposit_due"]) for line in closed["members"]
    }
    by_pid = {m.pid: m for m in g.members}
    due = [(p, a) for p, a in sorted(owed.items()) if a > 0]
    # obligations are created from the event: wait for them, so deposits settle them
    wait_for_obligations(sim, g, period, len(due))
    for pid, amount in due:
        how = by_pid[pid].punctuality if month >= 2 else "on_time"
        if g.struggling and month >= 2:
            how = "struggling"
        if how == "on_time":
            g.pending_deposits.append((sim.step_no, pid, amount))
        elif how == "late" or (how == "never" and r.random() < 0.5):
            g.pending_deposits.append((sim.step_no + 2, pid, amount))  # a month late
            g.deposits_late += 1
        else:
            g.deposits_missed += 1
    now = [d for d in g.pending_deposits if d[0] <= sim.step_no]
    g.pending_deposits = [d for d in g.pending_deposits if d[0] > sim.step_no]
    if now:
        total = sum((a for _, _, a in now), Decimal(0))
        api.call(
            "funds",
            "POST",
            f"/funds/{g.group_id}/deposit-sheets",
            "odf_staff",
            claims=staff,
            key=sim.key("sheet", g.group_id, period),
            json=payloads.deposit_sheet((p, a) for _, p, a in now),
        )
        g.inflows.append(total)
        g.deposits_total += total
        assert g.opened_on is not None
        if sim.today < add_months(g.opened_on, 3):
            g.initial_deposits += total
    if r.random() < 0.05 and not g.struggling:
        grant(sim, g, month)
    if g.opened_on and sim.today >= add_months(g.opened_on, 36) and r.random() < 0.5:
        withdrawals(sim, g, month)


def wait_for_obligations(sim: Simulation, g: Group, period: date, expected: int) -> None:
    """Until funds has created the period's obligations: announced on the feed, or, without
    one or when it stays silent for a minute (it should not), read from the funds API."""
    feed = sim.obligations
    if feed is not None and feed.wait_for(g.group_id, period.isoformat(), expected, 60.0):
        how = "feed"
    else:
        sim.eventually(
            f"obligations of {g.group_id} for {period}",
            lambda: obligations_for(sim, g, period, expected),
        )
        how = "poll"
    with LOCK:
        sim.obligation_waits[how] += 1


def obligations_for(sim: Simulation, g: Group, period: date, expected: int) -> bool | None:
    rows = sim.api.call(
        "funds", "GET", f"/funds/{g.group_id}/obligations", params={"status": "open"}
    )
    items = rows["items"] if isinstance(rows, dict) else rows
    mine = [o for o in items if o["period_start"] == period.isoformat()]
    return True if len(mine) >= expected else None


def grant(sim: Simulation, g: Group, month: int) -> None:
    r = g.rng
    source = r.choices(list(DONORS), weights=[40, 20, 20, 20])[0]
    donor = r.choice(DONORS[source])
    if source == "immigrant_association" and r.random() < 0.7:
        usd = Decimal(r.randrange(50, 600, 25))
        rate = Decimal(r.randrange(165000, 205000)) / Decimal(10000)
        body = payloads.contribution(donor, source, usd, currency="USD", exchange_rate=rate)
        mxn = money(usd * rate)
        g.grants_usd += usd
    else:
        mxn = Decimal(r.randrange(1000, 10000, 100))
        body = payloads.contribution(donor, source, mxn)
    sim.api.call(
        "funds",
        "POST",
        f"/funds/{g.group_id}/contributions",
        "programme_supervisor",  # a gift that came by no portal (portals give through donors)
        claims={"states": (g.state,), "subject": "donor"},
        key=sim.key("grant", g.group_id, month),
        json=body,
    )
    g.inflows.append(mxn)
    g.grants_mxn += mxn


def withdrawals(sim: Simulation, g: Group, month: int) -> None:
    """Some members take half of what they may withdraw now, read from their position.

    They act at the same time, as a group's members do on the 1st, so funds' writer can commit
    several in one write. The order does not matter: a member's share is their part of the
    sub-fund as it would be without any withdrawal, less what they drew [¶74], so one member's
    withdrawal never changes another's share."""
    takers = [m for m in g.members if g.rng.random() < 0.2]

    def take(m: Member) -> Decimal:
        me = g.participant(m.pid)
        view = sim.api.call(
            "funds", "GET", f"/funds/{g.group_id}/members/{m.pid}", "participant", claims=me
        )
        amount = money(Decimal(view["can_withdraw_now"]) / 2)
        if amount < 1:
            return Decimal(0)
        sim.api.call(
            "funds",
            "POST",
            f"/funds/{g.group_id}/members/{m.pid}/withdrawals",
            "participant",
            claims=me,
            key=sim.key("withdraw", m.pid, month),
            json=payloads.withdrawal("housing", amount),
        )
        return amount

    g.withdrawn += sum(sim.members_at_once(take, takers), Decimal(0))

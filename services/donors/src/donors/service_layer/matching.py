"""Use cases on matching programmes and pledges.

A programme's caps hold across processes: every pledge of a programme is made while holding the
programme's store lock (megp_common.locks), reading what its pledges already hold and
adding the new ones before letting go. FerretDB v1 would let two conditional updates racing on
other connections both pass, so the lock, not a conditional update, is what keeps 32 donations
racing for a cap's last pesos from passing it (tests/integration/test_caps_race.py)."""

from __future__ import annotations

from datetime import datetime

from donors.domain.donation import Donation
from donors.domain.errors import NotAllowed, Unknown
from donors.domain.matching import (
    Pledge,
    PledgeStatus,
    Programme,
    allocate,
    check_programme,
    full_match,
    room_left,
    scale_down,
)
from donors.domain.rates import cents
from donors.service_layer.access import national_supervisor
from donors.service_layer.container import Services
from megp_common.auth import Principal, Role, check_state
from megp_common.errors import Conflict


async def create_programme(services: Services, who: Principal, programme: Programme) -> Programme:
    national_supervisor(who, "opens a matching programme")
    check_programme(programme)
    stored = await services.programmes.find(programme.id)
    if stored is not None:
        return stored
    await services.programmes.add(programme)
    return programme


async def programme(services: Services, programme_id: str) -> Programme:
    found = await services.programmes.find(programme_id)
    if found is None:
        raise Unknown(f"no matching programme {programme_id}")
    return found


async def pledge_for(services: Services, prog: Programme, donation: Donation) -> list[Pledge]:
    """Each co-funder's pledge for a donation inside `prog`, within the caps. Idempotent: a
    co-funder that pledged for this donation already is not asked again, and what it pledged
    counts against the caps like any other pledge."""
    now = services.now()
    async with services.locks.hold(f"programme:{prog.id}"):
        holding = await services.pledges.holding(prog.id)
        mine = await services.pledges.of_donation(donation.id)
        asked = {p.cofunder_id for p in mine}
        missing = [c for c in prog.cofunders if c.id not in asked]
        if missing:
            used_programme = sum(int(d["amount_cents"]) for d in holding)
            used_association = sum(
                int(d["amount_cents"])
                for d in holding
                if d.get("association_id") == donation.association_id
            )
            used_project = sum(
                int(d["amount_cents"]) for d in holding if d.get("group_id") == donation.group_id
            )
            room = room_left(prog.caps, used_programme, used_association, used_project)
            shares = allocate(full_match(cents(donation.amount_mxn), missing), room)
            for c in missing:
                if shares[c.id] <= 0:
                    continue
                pledge = Pledge.make(
                    prog,
                    c,
                    donation_id=donation.id,
                    association_id=donation.association_id,
                    group_id=donation.group_id,
                    state=donation.state,
                    amount_cents=shares[c.id],
                    now=now,
                )
                try:
                    await services.pledges.add(pledge)
                except Conflict:
                    continue  # made a moment ago by the same donation's retry
                mine.append(pledge)
    return sorted(mine, key=lambda p: p.cofunder_id)


async def own_pledge(services: Services, who: Principal, pledge_id: str) -> Pledge:
    """A co-funder's own pledge: a programme supervisor's token naming the co-funder."""
    found = await services.pledges.find(pledge_id)
    if found is None:
        raise Unknown(f"no pledge {pledge_id}")
    check_state(who, found.state)
    if not who.has_role(Role.PROGRAMME_SUPERVISOR) or who.organization != found.cofunder_id:
        raise NotAllowed(
            "a co-funder confirms and pays its own pledges (a programme supervisor's token "
            "whose organization is the co-funder)"
        )
    return found


async def confirm(services: Services, who: Principal, pledge_id: str) -> Pledge:
    pledge = await own_pledge(services, who, pledge_id)
    pledge.confirm(who.subject, services.now())
    await services.pledges.save(pledge)
    return pledge


async def pay(services: Services, who: Principal, pledge_id: str) -> Pledge:
    pledge = await own_pledge(services, who, pledge_id)
    pledge.pay(who.subject, services.now(), fund_id=pledge.group_id)
    await services.pledges.save(pledge)
    return pledge


async def cancel_open_pledges(services: Services, donation_id: str, now: datetime) -> int:
    """A donation the fund refused, or refunded whole: its unpaid pledges give their room back."""
    cancelled = 0
    for pledge in await services.pledges.of_donation(donation_id):
        if pledge.cancel(now):
            await services.pledges.save(pledge)
            cancelled += 1
    return cancelled


async def scale_open_pledges(
    services: Services, donation: Donation, refund_id: str, kept: int, given: int
) -> tuple[list[Pledge], list[Pledge]]:
    """A partial refund keeps `kept` of the `given`: each co-funder's unpaid pledge for the
    donation comes down in proportion (domain.matching.scale_down), holding the programme's
    store lock, as the caps are reckoned under it (the room freed is given back at once).
    Pledges paid already stay as they are and are returned to be reported. Once per refund: a
    retry finds the pledges scaled for it and leaves them. Returns (scaled, paid)."""
    programme_id = donation.terms.programme_id
    if programme_id is None:
        return [], []
    now = services.now()
    async with services.locks.hold(f"programme:{programme_id}"):
        mine = await services.pledges.of_donation(donation.id)
        paid = [p for p in mine if p.status is PledgeStatus.PAID]
        already = [p for p in mine if p.scaled_for == refund_id]
        pending = [
            p
            for p in mine
            if p.status in (PledgeStatus.PLEDGED, PledgeStatus.CONFIRMED)
            and p.scaled_for != refund_id
        ]
        shares = scale_down({p.id: p.amount_cents for p in pending}, kept, given)
        for pledge in pending:
            if pledge.scale_down(refund_id, shares[pledge.id], now):
                await services.pledges.save(pledge)
    return sorted(already + pending, key=lambda p: p.cofunder_id), paid

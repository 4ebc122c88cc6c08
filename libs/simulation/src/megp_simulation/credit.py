"""The credit flows of the 15th: waiting for instalments to settle, direct payments of overdue
ones, loans on the group's line (board and lender approval, disbursement) and the group's lease
(a default, a member's takeover, the rents and the purchase)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from megp_common.testing import payloads
from megp_simulation.model import Group, LeaseTrack, LoanTrack, add_months

if TYPE_CHECKING:
    from megp_simulation.scenario import Simulation


def settle_instalments(sim: Simulation, g: Group) -> None:
    """Wait until every instalment due by today is paid or overdue."""
    for loan in g.loans:
        if loan.status != "active":
            continue

        def settled(loan: LoanTrack = loan) -> bool | None:
            refresh(sim, loan)
            pending = [
                i
                for i in loan.instalments
                if date.fromisoformat(i["due_date"]) <= sim.today
                and i["status"] in ("scheduled", "due")
            ]
            return None if pending else True

        sim.eventually(f"instalments of {loan.loan_id}", settled)


def refresh(sim: Simulation, loan: LoanTrack) -> None:
    body = sim.api.call("credit", "GET", f"/loans/{loan.loan_id}")
    loan.instalments, loan.status = body["instalments"], body["status"]


def pay_overdue(sim: Simulation, g: Group) -> None:
    """The ODF pays some overdue instalments directly (fewer when the group struggles)."""
    r = g.rng
    for loan in g.loans:
        if loan.status != "active":
            continue  # repaid: nothing overdue, nothing will change (no read needed)
        for inst in loan.instalments:
            if inst["status"] == "overdue" and r.random() < (0.3 if g.struggling else 0.6):
                total = Decimal(inst["principal"]) + Decimal(inst["interest"])
                sim.api.call(
                    "credit",
                    "POST",
                    f"/loans/{loan.loan_id}/instalments/{inst['number']}/payment",
                    "odf_staff",
                    claims=g.staff(),
                    key=sim.key("pay", loan.loan_id, inst["number"]),
                    json=payloads.payment(total),
                )
                loan.direct_payments += 1
        refresh(sim, loan)


def maybe_borrow(sim: Simulation, g: Group, month: int) -> None:
    api, r = sim.api, g.rng
    assert g.opened_on is not None
    if sim.today <= add_months(g.opened_on, 3):
        return
    if not g.line_open:
        sim.eventually(f"line of {g.group_id}", lambda: line(sim, g))
        g.line_open = True
    if any(loan.status == "active" for loan in g.loans) and r.random() < 0.7:
        return
    if r.random() < 0.35:
        return
    available = Decimal(api.call("credit", "GET", f"/lines/{g.group_id}")["available"])
    share = 1.0 if g.struggling else r.uniform(0.5, 0.95)
    amount = available * Decimal(str(share))
    repaid = [x for x in g.loans if x.status == "repaid"]
    if repaid:  # a repeat borrower may ask at most 1.5 x the last loan [¶84]
        amount = min(amount, repaid[-1].amount * Decimal("1.5"))
    amount = Decimal(int(amount / 100) * 100)
    if amount < 500:
        return
    term = r.choice([3, 4] if g.struggling else [3, 6, 9, 12])
    status, loan = api.try_call(
        "credit",
        "POST",
        "/loans",
        "odf_staff",
        claims=g.staff(),
        key=sim.key("loan", g.group_id, month),
        json=payloads.loan_application(
            group_id=g.group_id,
            borrower_kind="odf",
            borrower_id=g.odf_id,
            amount=amount,
            purpose=r.choice(["working capital", "a grain mill", "a kiln", "raw materials"]),
            term_months=term,
        ),
    )
    if status != 200:
        g.loans_refused += 1
        return
    lid = loan["id"]
    api.call(
        "credit",
        "POST",
        f"/loans/{lid}/board-approval",
        "board_representative",
        claims=g.participant(g.reps[0]),
        key=sim.key("approve", lid),
    )
    bank = {"organization": "NAFIN", "subject": "nafin"}
    api.call(
        "credit",
        "POST",
        f"/loans/{lid}/lender-approval",
        "partner_bank",
        claims=bank,
        key=sim.key("lend", lid),
    )
    active = api.call(
        "credit",
        "POST",
        f"/loans/{lid}/disbursement",
        "partner_bank",
        claims=bank,
        key=sim.key("disburse", lid),
    )
    g.loans.append(LoanTrack(lid, amount, term, active["instalments"], active["status"]))


def line(sim: Simulation, g: Group) -> dict[str, Any] | None:
    status, body = sim.api.try_call("credit", "GET", f"/lines/{g.group_id}")
    return dict(body) if status == 200 else None


def work_lease(sim: Simulation, g: Group, month: int) -> None:
    """Sign a lease now and then; afterwards follow it: a default, a takeover, rents, purchase."""
    api, r = sim.api, g.rng
    if g.lease is None:
        if not g.line_open or r.random() < 0.6 or len(g.members) < 4:
            return
        lessee, takeover = g.members[2].pid, g.members[3].pid
        rents = r.choice([3, 4, 6])
        signed = api.call(
            "credit",
            "POST",
            "/leases",
            "odf_staff",
            claims=g.staff(),
            key=sim.key("lease", g.group_id, month),
            json=payloads.lease(
                group_id=g.group_id,
                asset=r.choice(["sewing machine", "kiln", "loom", "pickup truck"]),
                lessee_id=lessee,
                rent=Decimal(r.randrange(200, 900, 10)),
                term_months=rents,
                first_due=add_months(sim.today, 1),
                purchase_price=Decimal("1.00"),
            ),
        )
        stops = 1 if r.random() < 0.5 else None
        g.lease = LeaseTrack(signed["id"], lessee, takeover, stops, rents)
        return
    lease = g.lease
    if lease.status in ("completed",):
        return
    body = api.call("credit", "GET", f"/leases/{lease.lease_id}")
    lease.status = body["status"]
    if lease.status == "defaulted" and not lease.transferred:
        body = api.call(
            "credit",
            "POST",
            f"/leases/{lease.lease_id}/transfer",
            "participant",
            claims=g.participant(lease.takeover),
            key=sim.key("takeover", lease.lease_id),
            json=payloads.lease_transfer(lease.takeover),
        )
        lease.transferred, lease.status = True, body["status"]
    payer = lease.takeover if lease.transferred else lease.lessee
    me = g.participant(payer)
    for rent in body["rents"]:
        if rent.get("paid_on") or rent.get("paid_by"):
            continue
        if date.fromisoformat(rent["due_date"]) > sim.today:
            break
        n = rent["number"]
        if not lease.transferred and lease.stops_after is not None and n > lease.stops_after:
            break
        body = api.call(
            "credit",
            "POST",
            f"/leases/{lease.lease_id}/rents/{n}/payment",
            "participant",
            claims=me,
            key=sim.key("rent", lease.lease_id, n),
        )
    if all(x.get("paid_by") for x in body["rents"]) and body["status"] != "completed":
        body = api.call(
            "credit",
            "POST",
            f"/leases/{lease.lease_id}/purchase",
            "participant",
            claims=me,
            key=sim.key("purchase", lease.lease_id),
        )
    lease.status = body["status"]

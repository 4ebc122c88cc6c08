"""The credit flows of the 15th: waiting for instalments to settle, direct payments of overdue
ones, loans on the group's line (board and lender approval, disbursement), the group's lease
(a default, a member's takeover, the rents and the purchase), and, in the second year, a
partner bank taking some groups' lines over from NAFIN [¶83, ¶90], with its invariant: every
instalment the fund pays goes to the line's lender of record on its due date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from megp_common.testing import payloads
from megp_simulation.api import ApiError
from megp_simulation.model import Group, LeaseTrack, LoanTrack, add_months

if TYPE_CHECKING:
    from megp_simulation.digest import RunEvents
    from megp_simulation.invariants import Check
    from megp_simulation.scenario import Simulation

#: the partner bank that takes lines over (one of credit's LENDER_RATES)
TAKEOVER_BANK: Final = "Banorte"
NAFIN: Final = {"organization": "NAFIN", "subject": "nafin"}


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
    # the line's lender of record today (a partner bank once it took the line over)
    bank = {"organization": loan["lender"], "subject": loan["lender"].lower()}
    api.call(
        "credit",
        "POST",
        f"/loans/{lid}/lender-approval",
        "partner_bank",
        claims=bank,
        key=sim.key("lend", lid),
    )
    status, active = api.try_call(
        "credit",
        "POST",
        f"/loans/{lid}/disbursement",
        "partner_bank",
        claims=bank,
        key=sim.key("disburse", lid),
    )
    if status == 422 and "¶79" in str(active):
        # the line shrank between the application and the disbursement (a repayment judged
        # late, a lease signed on it): the lender declines the loan it cannot pay out, as a
        # bank would, and the group may ask again another month
        api.call(
            "credit",
            "POST",
            f"/loans/{lid}/rejection",
            "partner_bank",
            claims=bank,
            key=sim.key("decline", lid),
            json={"reason": "the line no longer covers the loan on the day of its disbursement"},
        )
        g.loans_refused += 1
        return
    if status != 200:
        raise ApiError("POST", f"credit/loans/{lid}/disbursement", status, str(active))
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


def takeover_month(sim: Simulation) -> int:
    """The first month of the second year; half-way through a run shorter than that, but not
    before the fifth month (index 4): a line opens three months after its fund, in the third,
    so a takeover due earlier found no line to take over and a run of three months failed the
    check that it happened."""
    months = sim.scale.months
    return 12 if months > 13 else max(4, months // 2)


def maybe_take_over(sim: Simulation, g: Group, month: int) -> None:
    """Every third group's line passes to the partner bank from the next month's 1st: the bank
    offers, NAFIN consents (the group's board is not asked [¶55])."""
    if month != takeover_month(sim) or not g.line_open or g.index % 3 != 1 or g.taken_over_on:
        return
    effective = add_months(sim.today.replace(day=1), 1)
    bank = {"organization": TAKEOVER_BANK, "subject": "banorte", "states": (g.state,)}
    sim.api.call(
        "credit",
        "POST",
        f"/lines/{g.group_id}/takeover",
        "partner_bank",
        claims=bank,
        key=sim.key("takeover", g.group_id),
        json={"lender": TAKEOVER_BANK, "effective_on": effective.isoformat()},
    )
    sim.api.call(
        "credit",
        "POST",
        f"/lines/{g.group_id}/takeover/consent",
        "partner_bank",
        claims=NAFIN,
        key=sim.key("consent", g.group_id),
    )
    g.taken_over_on = effective


def lender_on(history: list[dict[str, Any]], day: date) -> str | None:
    """The lender of record on `day` from a line's `lenders` (each from its `since`)."""
    found = history[0]["lender"] if history else None
    for entry in history:
        if date.fromisoformat(entry["since"]) <= day:
            found = entry["lender"]
    return found


def check_lenders_of_record(
    sim: Simulation, lines: dict[str, dict[str, Any]], events: RunEvents
) -> Check:
    """Each line taken over says so once (CreditLineTakenOver, from the day the simulation
    agreed); every instalment the fund paid names as its lender (funds' FundRepaymentMade) and
    as its payee (credit's loan) the line's lender of record on its due date."""
    from megp_simulation.invariants import Check

    check = Check(
        "every instalment paid to its lender of record",
        "a line taken over once the run reaches its month; lines taken over = one "
        "CreditLineTakenOver each, from the agreed day; each "
        "FundRepaymentMade's lender and each paid instalment's payee = the line's lender of "
        "record on the due date",
    )
    taken = events.taken_over
    paid = list(events.repayments.values())
    if sim.scale.months > takeover_month(sim) and len(sim.groups) > 1:
        check.expect(any(g.taken_over_on for g in sim.groups), "the run reached its takeover month")
    due: dict[tuple[str, int], tuple[Group, dict[str, Any]]] = {}
    for g in sim.groups:
        agreed = g.taken_over_on
        if agreed is not None and agreed <= sim.end_day:
            said = taken.get(g.group_id, [])
            check.expect(
                [(d["lender"], d["effective_on"]) for d in said]
                == [(TAKEOVER_BANK, agreed.isoformat())],
                f"{g.group_id}: taken over from {agreed}, announced {said}",
            )
        for loan in g.loans:
            for i in loan.instalments:
                due[(loan.loan_id, i["number"])] = (g, i)
    for d in paid:
        found = due.get((d["loan_id"], d["installment_number"]))
        if found is None:
            continue  # a loan the simulation does not follow (none so far)
        g, i = found
        history = lines.get(g.group_id, {}).get("lenders", [])
        expected = lender_on(history, date.fromisoformat(i["due_date"]))
        check.expect(
            d.get("lender") == expected,
            f"{d['loan_id']}#{d['installment_number']} due {i['due_date']}: funds paid "
            f"{d.get('lender')}, the lender of record was {expected}",
        )
    for g, i in due.values():
        if i["status"] == "paid":
            history = lines.get(g.group_id, {}).get("lenders", [])
            expected = lender_on(history, date.fromisoformat(i["due_date"]))
            check.expect(
                i.get("payee") == expected,
                f"{g.group_id}: instalment due {i['due_date']} paid to {i.get('payee')}, "
                f"the lender of record was {expected}",
            )
    return check

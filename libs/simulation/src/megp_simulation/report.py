"""The summary of a run: the figures the scenario reached, what the services published and
consumed, and the checks; and the table printed from it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from megp_simulation.api import Api
from megp_simulation.bank_checks import bank_rows
from megp_simulation.cpu import stage_rows
from megp_simulation.digest import RunEvents
from megp_simulation.invariants import Check
from megp_simulation.ip_checks import MISSED, REMINDED
from megp_simulation.model import LoanTrack
from megp_simulation.scenario import Simulation


def summarize(
    sim: Simulation,
    funds: list[Any],
    lines: dict[str, dict[str, Any]],
    events: RunEvents,
    consumed: dict[str, int],
    checks: list[Check],
    api: Api,
) -> dict[str, Any]:
    return {
        "seed": sim.seed,
        "scale": asdict(sim.scale),
        "calendar": {
            "from": sim.setup_day.isoformat(),
            "to": sim.end_day.isoformat(),
            "months": sim.scale.months,
        },
        "ok": all(c.ok for c in checks),
        "participants": _participants(sim),
        "funds": _funds(sim, funds),
        "credit": _credit(sim, lines),
        "market": _market(sim),
        "inventors": _inventors(sim, events),
        "events": _events(events, consumed),
        "http_calls": api.calls,
        # how the driver learnt that a closed period's obligations existed (see ObligationFeed)
        "obligation_waits": dict(sorted(sim.obligation_waits.items())),
        # how the 15th's waits for enrollment to count the day's sales ended
        "sales_waits": dict(sorted(sim.sales_waits.items())),
        "checks": [
            {
                "name": c.name,
                "ok": c.ok,
                "checked": c.checked,
                "how": c.how,
                "failures": c.failures,
                "notes": c.notes,
            }
            for c in checks
        ],
    }


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


def _participants(sim: Simulation) -> dict[str, Any]:
    members = [m for g in sim.groups for m in g.members]
    programmes: Counter[str] = Counter(p for m in members for p in m.programmes)
    return {
        "total": len(members),
        "women": sum(1 for m in members if m.female),
        "by_programme": dict(sorted(programmes.items())),
        "states": sorted({g.state for g in sim.groups}),
        "groups": len(sim.groups),
        "committees": sum(g.committees for g in sim.groups),
        "committee_members": sum(g.committee_members for g in sim.groups),
    }


def _inventors(sim: Simulation, events: RunEvents) -> dict[str, Any]:
    """The inventors' programme: disclosures, the inventors' decisions, filings at IMPI, and
    the deadline announcements ip-counsel made as the clock moved (one copy of each)."""
    made = [g.invention for g in sim.groups if g.invention is not None]
    ip = events.by_type
    return {
        "groups": sum(1 for g in sim.groups if g.inventors),
        "inventors": sum(len(g.inventors) for g in sim.groups),
        "disclosures": len(made),
        "kept_secret": sum(1 for x in made if x.choice == "keep_secret"),
        "filings": sum(1 for x in made if x.filing_id),
        "deadlines_opened": ip["ip_counsel.DeadlineOpened"],
        "reminders_announced": ip[REMINDED],
        "misses_announced": ip[MISSED],
        "licences": sum(1 for x in made if x.licence_id),
        "royalties_paid": sum(len(x.royalties) for x in made),
        "royalty_parts_announced": ip["ip_counsel.RoyaltyReceived"],
        "royalties_mxn": str(
            _sum(a for x in made for _, _, parts in x.royalties for a in parts.values())
        ),
        "answers_scanned": sim.api.answers_scanned,
    }


def _funds(sim: Simulation, funds: list[Any]) -> dict[str, Any]:
    def total(key: str) -> str:
        return str(_sum(Decimal(f.statement[key]) for f in funds))

    instalments = [i for g in sim.groups for loan in g.loans for i in loan.instalments]
    paid_by_fund = _sum(
        Decimal(i["principal"]) + Decimal(i["interest"])
        for i in instalments
        if i["status"] == "paid" and i.get("paid_by") == "fund"
    )
    return {
        "trust_cash": total("trust_cash"),
        "development_subfund": total("development_subfund"),
        "competition_subfund": total("competition_subfund"),
        "members_deposits": str(_sum(g.deposits_total for g in sim.groups)),
        "grants_mxn": str(_sum(g.grants_mxn for g in sim.groups)),
        "grants_usd": str(_sum(g.grants_usd for g in sim.groups)),
        "replenished": str(_sum(g.replenished for g in sim.groups)),
        "withdrawn": str(_sum(g.withdrawn for g in sim.groups)),
        "instalments_paid": str(paid_by_fund),
        "deposits_late": sum(g.deposits_late for g in sim.groups),
        "deposits_never_made": sum(g.deposits_missed for g in sim.groups),
        "notices": sum(f.notices for f in funds),
        "journal_entries": sum(f.journal.entries for f in funds),
    }


def _channels(sim: Simulation) -> dict[str, dict[str, Any]]:
    """Per kind of channel: how many the run has, the orders placed and paid through them,
    the paid orders' amount in pesos and the producers' part of it."""
    kinds = ("marketplace", "trade_center", "association_abroad")
    out: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        ids = {c.channel_id for c in sim.channels.values() if c.kind == kind}
        orders = [o for g in sim.groups for o in g.orders if o.channel in ids]
        paid = [o for o in orders if o.outcome == "paid"]
        amount = _sum(o.total_mxn or o.total for o in paid)
        part = _sum(x for o in paid for x in o.producer_parts.values())
        out[kind] = {
            "channels": len(ids),
            "orders": len(orders),
            "paid": len(paid),
            "amount_mxn": str(amount),
            "producer_part_mxn": str(part),
            "producer_share": str((part / amount).quantize(Decimal("0.0001")) if amount else 0),
        }
    return out


def _market(sim: Simulation) -> dict[str, Any]:
    orders = [o for g in sim.groups for o in g.orders]
    paid = [o for o in orders if o.outcome == "paid"]
    rounds = [x for g in sim.groups for x in g.rounds]
    allocated = [x for x in rounds if x.status == "allocated"]
    refused: Counter[str] = Counter()
    for g in sim.groups:
        refused.update({str(k): v for k, v in g.orders_refused.items()})
    return {
        "products": sum(len(g.products) for g in sim.groups),
        "sellers": len({p.producer for g in sim.groups for p in g.products}),
        "orders": {
            "placed": len(orders),
            "paid": len(paid),
            "cancelled": sum(1 for o in orders if o.outcome == "cancelled"),
            "left_to_expire": sum(1 for o in orders if o.outcome == "left"),
            "refused": dict(sorted(refused.items())),
            "two_lines": sum(1 for o in orders if len(o.lines) == 2),
        },
        "units_sold": sum(p.sold for g in sim.groups for p in g.products),
        "units_restocked": sum(p.restocked for g in sim.groups for p in g.products),
        "sales_amount": str(_sum(o.total_mxn or o.total for o in paid)),  # in pesos
        "producer_part": str(_sum(x for o in paid for x in o.producer_parts.values())),
        "sales": sum(len(o.producer_parts) for o in paid),
        "channels": _channels(sim),
        "returns": {
            "accepted": sum(len(g.returns) for g in sim.groups),
            "units": sum(x.quantity for g in sim.groups for x in g.returns),
            "producer_part": str(_sum(x.producer_part for g in sim.groups for x in g.returns)),
        },
        "purchase_orders": {
            "sent": sum(len(g.purchase_orders) for g in sim.groups),
            "accepted": sum(
                1 for g in sim.groups for x in g.purchase_orders if x.status == "accepted"
            ),
            "declined": sum(
                1 for g in sim.groups for x in g.purchase_orders if x.status == "declined"
            ),
            "amount": str(
                _sum(
                    x.total for g in sim.groups for x in g.purchase_orders if x.status == "accepted"
                )
            ),
        },
        "usd": {
            "orders_paid": sum(1 for o in paid if o.currency == "USD"),
            "amount_usd": str(_sum(o.total for o in paid if o.currency == "USD")),
            "amount_mxn": str(_sum(o.total_mxn or Decimal(0) for o in paid if o.currency == "USD")),
            "rates_recorded": len(sim.rates),
            "rates_found": sim.rates_found,  # recorded before the run, kept
            "rate_min": str(min(sim.rates.values(), default=Decimal(0))),
            "rate_max": str(max(sim.rates.values(), default=Decimal(0))),
        },
        "rounds": {
            "opened": len(rounds),
            "allocated": len(allocated),
            "pooled_quantity": sum(x.pooled for x in allocated),
            "cost": str(_sum(x.total for x in allocated)),
            "saving": str(_sum(x.saving for x in allocated)),
        },
    }


def _credit(sim: Simulation, lines: dict[str, dict[str, Any]]) -> dict[str, Any]:
    loans = [loan for g in sim.groups for loan in g.loans]
    instalments = [i for loan in loans for i in loan.instalments]

    def unpaid_principal(late_only: bool) -> Decimal:
        return _sum(
            Decimal(i["principal"])
            for loan in loans
            if loan.status == "active" and (not late_only or _days_past_due(loan, sim) > 30)
            for i in loan.instalments
            if i["status"] != "paid"
        )

    outstanding, at_risk = unpaid_principal(False), unpaid_principal(True)
    reviews: Counter[str] = Counter(
        r["outcome"] for line in lines.values() for r in line["reviews"]
    )
    leases = [x for x in (g.lease for g in sim.groups) if x is not None]
    return {
        "lines": len(lines),
        "limits": str(_sum(Decimal(x["limit"]) for x in lines.values())),
        "reviews": dict(sorted(reviews.items())),
        "loans": len(loans),
        "loans_refused": sum(g.loans_refused for g in sim.groups),
        "disbursed": str(_sum(loan.amount for loan in loans)),
        "repaid_loans": sum(1 for loan in loans if loan.status == "repaid"),
        "outstanding_principal": str(outstanding),
        "par30": str((at_risk / outstanding).quantize(Decimal("0.0001"))) if outstanding else "0",
        "instalments": {
            "scheduled": len(instalments),
            "paid_by_fund": sum(1 for i in instalments if i.get("paid_by") == "fund"),
            "paid_directly": sum(
                1 for i in instalments if i["status"] == "paid" and i.get("paid_by") != "fund"
            ),
            "overdue": sum(1 for i in instalments if i["status"] == "overdue"),
        },
        "leases": {
            "signed": len(leases),
            "transferred": sum(1 for x in leases if x.transferred),
            "completed": sum(1 for x in leases if x.status == "completed"),
        },
    }


def _events(events: RunEvents, consumed: dict[str, int]) -> dict[str, Any]:
    by_type = events.by_type  # one per event id
    return {
        "published_since_start_all": events.published,
        "ours": len(by_type),
        "ours_total": sum(by_type.values()),
        "ours_by_type": dict(sorted(by_type.items())),
        "ours_copies": events.copies,
        "ours_json_mib": round(events.bytes_read / 2**20, 1),
        "consumed_by_group": consumed,
    }


def _days_past_due(loan: LoanTrack, sim: Simulation) -> int:
    unpaid = [
        date.fromisoformat(i["due_date"]) for i in loan.instalments if i["status"] == "overdue"
    ]
    return (sim.end_day - min(unpaid)).days if unpaid else 0


def table(summary: dict[str, Any]) -> str:
    p, f, c, e = summary["participants"], summary["funds"], summary["credit"], summary["events"]
    m, i = summary["market"], summary["inventors"]
    o, r = m["orders"], m["rounds"]
    rows = [
        ("participants", f"{p['total']} in {p['groups']} groups, {len(p['states'])} states"),
        ("  by programme", ", ".join(f"{k} {v}" for k, v in p["by_programme"].items()) or "-"),
        ("committees / their members", f"{p['committees']} / {p['committee_members']}"),
        ("calendar", f"{summary['calendar']['from']} .. {summary['calendar']['to']}"),
        ("fund trust cash", f["trust_cash"]),
        ("  development / competition", f"{f['development_subfund']} / {f['competition_subfund']}"),
        (
            "  members' deposits",
            f"{f['members_deposits']} ({f['deposits_late']} late, "
            f"{f['deposits_never_made']} never made)",
        ),
        ("  grants", f"{f['grants_mxn']} MXN (of which USD {f['grants_usd']} converted)"),
        ("  replenished / withdrawn", f"{f['replenished']} / {f['withdrawn']}"),
        ("notices of non-fulfillment", str(f["notices"])),
        ("credit lines / limits", f"{c['lines']} / {c['limits']}"),
        ("  reviews", ", ".join(f"{k} {v}" for k, v in c["reviews"].items()) or "-"),
        (
            "loans disbursed",
            f"{c['loans']} for {c['disbursed']} ({c['repaid_loans']} repaid, "
            f"{c['loans_refused']} refused)",
        ),
        ("  instalments", ", ".join(f"{k} {v}" for k, v in c["instalments"].items())),
        ("credit outstanding / PAR30", f"{c['outstanding_principal']} / {c['par30']}"),
        ("leases", ", ".join(f"{k} {v}" for k, v in c["leases"].items())),
        (
            "marketplace",
            f"{m['products']} products of {m['sellers']} sellers; {o['placed']} orders "
            f"({o['paid']} paid, {o['cancelled']} cancelled, {o['left_to_expire']} left to expire, "
            f"{sum(o['refused'].values())} refused)",
        ),
        (
            "  sales",
            f"{m['units_sold']} units for {m['sales_amount']} MXN (producers' part "
            f"{m['producer_part']}, {m['sales']} sales); {m['units_restocked']} units restocked",
        ),
        *(
            (
                f"  {kind.replace('_', ' ')}",
                f"{ch['channels']} channels, {ch['orders']} orders ({ch['paid']} paid) for "
                f"{ch['amount_mxn']} MXN, producers' part {ch['producer_part_mxn']} "
                f"({ch['producer_share']})",
            )
            for kind, ch in m["channels"].items()
        ),
        (
            "  in dollars",
            f"{m['usd']['orders_paid']} orders paid, {m['usd']['amount_usd']} USD = "
            f"{m['usd']['amount_mxn']} MXN; {m['usd']['rates_recorded']} rates recorded "
            f"({m['usd']['rate_min']} .. {m['usd']['rate_max']}; "
            f"{m['usd']['rates_found']} found recorded otherwise)",
        ),
        (
            "  returns",
            f"{m['returns']['accepted']} accepted ({m['returns']['units']} units restocked), "
            f"{m['returns']['producer_part']} MXN taken back from the producers",
        ),
        (
            "  chains' purchase orders",
            f"{m['purchase_orders']['sent']} sent, {m['purchase_orders']['accepted']} accepted "
            f"({m['purchase_orders']['amount']} MXN), {m['purchase_orders']['declined']} declined",
        ),
        (
            "  purchasing rounds",
            f"{r['opened']} opened, {r['allocated']} allocated: {r['pooled_quantity']} units "
            f"pooled for {r['cost']} MXN, {r['saving']} saved against buying alone",
        ),
        (
            "inventors' programme",
            f"{i['inventors']} inventors in {i['groups']} groups; {i['disclosures']} disclosures "
            f"({i['kept_secret']} kept secret), {i['filings']} filed at IMPI; deadlines: "
            f"{i['deadlines_opened']} opened, {i['reminders_announced']} reminders and "
            f"{i['misses_announced']} misses announced; {i['licences']} licences, "
            f"{i['royalties_paid']} royalties paid ({i['royalties_mxn']} MXN to the inventors)",
        ),
        ("events (this run's groups)", f"{e['ours_total']} published"),
        ("events consumed", ", ".join(f"{k} {v}" for k, v in e["consumed_by_group"].items())),
        (
            "elapsed",
            f"{summary['elapsed_s']['total']} s (lag zero at "
            f"{summary['elapsed_s']['until_lag_zero']} s)",
        ),
        ("events per second", str(e["per_second"])),
        ("participant-months per second", str(summary["participant_months_per_second"])),
        ("HTTP calls", f"{summary['http_calls']} ({summary['http_calls_per_second']}/s)"),
        (
            "obligations awaited",
            ", ".join(f"{k} {v}" for k, v in summary["obligation_waits"].items()) or "none",
        ),
        (
            "sales awaited in periods",
            ", ".join(f"{k} {v}" for k, v in summary["sales_waits"].items()) or "none",
        ),
    ]
    if summary.get("peak_rss_mib"):
        rows.append(
            (
                "peak memory (MiB)",
                ", ".join(f"{k} {v:.0f}" for k, v in summary["peak_rss_mib"].items()),
            )
        )
    if summary.get("cpu_by_stage"):
        rows.append(("CPU by stage (share of a core)", ""))
        rows += stage_rows(summary["cpu_by_stage"])
    if summary.get("killed_and_restarted"):
        rows.append(
            (
                "killed and restarted",
                ", ".join(f"{k} ({v})" for k, v in summary["killed_and_restarted"].items()),
            )
        )
    if summary.get("banks"):
        rows += bank_rows(summary["banks"])
    if summary.get("donors"):
        d = summary["donors"]
        rows.append(
            (
                "associations abroad",
                f"{d['associations']} clubs, {d['donations']} donations ({d['usd_donations']} in "
                f"USD, {d['donated_usd']} USD; {d['donated_mxn']} MXN in all), {d['booked']} "
                f"booked, {d['receipts']} receipts; {d['in_programme']} in the 3x1 programme: "
                f"{d['pledged_mxn']} MXN pledged of {d['full_match_mxn']} uncapped, "
                f"{d['paid_mxn']} paid; pledges "
                + ", ".join(f"{k} {v}" for k, v in d["pledges"].items()),
            )
        )
    rows += [
        (
            ("PASS " if c["ok"] else "FAIL ") + c["name"],
            f"{c['checked']} checks" + ("" if c["ok"] else f": {c['failures'][:3]}"),
        )
        for c in summary["checks"]
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)

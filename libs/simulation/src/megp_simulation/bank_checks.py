"""The partner banks' invariants, checked at the end of a run:

- **every subscribed event delivered once in effect**: each subscriber's distinct webhook-ids
  are exactly the run's events of its types that concern it (`banks.expected_deliveries`),
  none another bank's, every signature verified, no CURP in any body; copies of one webhook-id
  are allowed (at least once) and counted;
- **every bank statement reconciles with no exception**: for each fund of the sample, the trust
  bank downloads the camt.053 of each year of the fund's life (at most 366 days a statement),
  uploads it back, and the stored reconciliation matches every entry with no exception and no
  balance difference; the same document uploaded again answers the same version."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from megp_simulation.banks import (
    BANKS,
    STATEMENT_SAMPLE,
    SUBSCRIBED,
    BankDesk,
    Concern,
    Inbox,
    claims,
    expected_deliveries,
    expected_ids,
    holder,
)
from megp_simulation.digest import RunEvents
from megp_simulation.invariants import Check
from megp_simulation.model import Group
from megp_simulation.progress import Progress
from megp_simulation.scenario import Simulation

STATEMENT_DAYS = 366  # the longest period funds gives a statement for


def check_deliveries(
    inboxes: list[Inbox],
    concerns: dict[str, Concern],
    run_groups: set[str],
    curps: set[str],
) -> Check:
    expected = expected_ids(concerns)
    once = Check(
        "every subscribed event delivered once in effect",
        "per subscriber, the distinct webhook-ids received = the run's events on funds.events "
        "and credit.events of the types it asked for whose fund (trust bank) or loan (lender) "
        "is its bank's; none of another bank or of a type not asked; every signature verified "
        "by standardwebhooks; no CURP-shaped string in a body",
    )
    for inbox in inboxes:
        wanted = expected.get(inbox.bank, set())
        got = set(inbox.copies)
        for wid in sorted(wanted):
            once.expect(wid in got, f"{inbox.bank}: {wid} ({concerns[wid[4:]].type}) never came")
        for wid in sorted(got - wanted):
            c = concerns.get(wid[4:])
            kind, group = inbox.first[wid]
            if c is None and group not in run_groups:
                continue  # another platform's fund on the same services: not this run's
            once.expect(
                False,
                f"{inbox.bank}: {wid} ({kind} of {group}) concerns "
                + (
                    "no type it asked for, or no event on the topics"
                    if c is None
                    else f"{c.bank}, type {c.type}"
                ),
            )
        once.expect(
            not inbox.bad_signatures, f"{inbox.bank}: unverified {inbox.bad_signatures[:3]}"
        )
        members = [x for x in inbox.curps if x.rsplit(": ", 1)[-1] in curps]
        once.expect(
            not inbox.curps,
            f"{inbox.bank}: CURPs in bodies {inbox.curps[:3]} ({len(members)} the run's)",
        )
    return once


def delivery_figures(
    inboxes: list[Inbox], concerns: dict[str, Concern], run_groups: set[str], drained_s: float
) -> dict[str, Any]:
    """Per subscriber: the funds it holds, what was expected, received (distinct and copies),
    the repeats and the deliveries of other platforms' funds; and how long the end waited."""
    out: dict[str, Any] = {}
    for inbox in inboxes:
        types = set(SUBSCRIBED.get(inbox.bank, ()))
        mine = [c for c in concerns.values() if c.bank == inbox.bank and c.type in types]
        ours = {w: n for w, n in inbox.copies.items() if inbox.first[w][1] in run_groups}
        out[inbox.bank] = {
            "funds_held": len({c.group_id for c in mine if c.type.startswith("funds.")}),
            "types_subscribed": len(types),
            "expected": len(mine),
            "received": len(ours),
            "copies": sum(ours.values()),
            "duplicates": sum(n - 1 for n in ours.values()),
            "by_type": dict(sorted(Counter(c.type for c in mine).items())),
            "foreign": len(inbox.copies) - len(ours),
            "bad_signatures": len(inbox.bad_signatures),
        }
    return {"subscribers": out, "drain_s": round(drained_s, 1)}


def check_trust_banks(sim: Simulation, events: RunEvents) -> Check:
    """Each fund is held by the bank its ODF named: FundOpened's `trust_bank` is the bank the
    run gave the group, and the three banks each hold a fund when there are three groups."""
    held = Check(
        "each fund held in trust by the bank its ODF named",
        "funds.FundOpened's trust_bank = the bank the run named at the ODF's registration "
        "(the three in turn); every bank holds a fund from three groups on",
    )
    opened = events.opened
    for g in sim.groups:
        bank = holder(g)
        held.expect(
            opened.get(g.group_id) == bank, f"{g.group_id}: {opened.get(g.group_id)}, named {bank}"
        )
    if len(sim.groups) >= len(BANKS):
        held.expect(
            set(opened.values()) >= set(BANKS), f"banks holding funds: {set(opened.values())}"
        )
    return held


# -- statements --------------------------------------------------------------------------------


@dataclass
class Reconciled:
    """One statement period of a fund: the first upload's answer, the second's (the same
    document), and the stored reconciliation read back."""

    group_id: str
    bank: str
    start: date
    end: date
    first: dict[str, Any]
    again: dict[str, Any]
    stored: dict[str, Any]


def periods(start: date, end: date) -> list[tuple[date, date]]:
    """Consecutive statement periods covering start..end, each at most STATEMENT_DAYS long."""
    out = []
    while start <= end:
        last = min(end, start + timedelta(days=STATEMENT_DAYS - 1))
        out.append((start, last))
        start = last + timedelta(days=1)
    return out


def statement_sample(sim: Simulation) -> list[Group]:
    """The funds reconciled: `Scale.statements` of them, or every one up to STATEMENT_SAMPLE
    groups and that many beyond; drawn from a stream of their own, in the groups' order."""
    n = sim.scale.statements
    if n is None:
        n = min(len(sim.groups), STATEMENT_SAMPLE)
    n = max(0, min(n, len(sim.groups)))
    picked = random.Random(f"{sim.seed}:statements").sample(range(len(sim.groups)), n)
    return [sim.groups[i] for i in sorted(picked)]


def reconcile_fund(sim: Simulation, g: Group) -> list[Reconciled]:
    """The trust bank, for each period of the fund's life: downloads the camt.053, uploads it
    twice (two keys: the second is a new request with the same document), reads it back."""
    bank = holder(g)
    who = claims(bank)
    base = f"/funds/{g.group_id}"
    out = []
    for start, end in periods(g.opened_on or sim.setup_day, sim.end_day):
        params = {"format": "camt053", "from": start.isoformat(), "to": end.isoformat()}
        document = sim.api.call(
            "funds",
            "GET",
            f"{base}/bank-statement",
            "partner_bank",
            claims=who,
            params=params,
            raw=True,
        )
        answers = [
            sim.api.call(
                "funds",
                "POST",
                f"{base}/bank-statements",
                "partner_bank",
                claims=who,
                key=sim.key("bank-statement", g.group_id, start, n),
                json={"document": document},
                expect=(201,),
                timeout_s=120.0,
            )
            for n in (1, 2)
        ]
        stored = sim.api.call(
            "funds",
            "GET",
            f"{base}/reconciliations/{answers[0]['version']}",
            "partner_bank",
            claims=who,
        )
        out.append(Reconciled(g.group_id, bank, start, end, answers[0], answers[1], stored))
    return out


SAME = ("reconciliation_id", "version", "sha256", "clean", "matched", "unmatched", "entries")


def check_statements(results: list[Reconciled], sampled: int) -> Check:
    clean = Check(
        "every bank statement reconciles with no exception",
        "for each fund of the sample, its trust bank downloads the camt.053 of every period of "
        "the fund's life (GET /funds/{id}/bank-statement?format=camt053) and uploads it (POST "
        "/funds/{id}/bank-statements): every entry matched, nothing unmatched on either side, "
        "no balance difference; uploading it again answers the same version, and the stored "
        "reconciliation (GET .../reconciliations/{version}) is the same",
    )
    clean.expect(sampled == 0 or bool(results), "no statement was reconciled")
    for r in results:
        where = f"{r.group_id} {r.start}..{r.end} ({r.bank})"
        f = r.first
        clean.expect(
            f["clean"] and not f["unmatched"] and not f["balance_differences"],
            f"{where}: {len(f['unmatched'])} unmatched {f['unmatched'][:2]}, "
            f"balances {f['balance_differences']}",
        )
        clean.expect(
            len(f["matched"]) == f["entries"],
            f"{where}: {len(f['matched'])} matched of {f['entries']} entries",
        )
        for other, what in ((r.again, "uploaded again"), (r.stored, "stored")):
            clean.expect(
                all(other.get(k) == f.get(k) for k in SAME),
                f"{where}: {what} differs: version {other.get('version')} vs {f.get('version')}",
            )
    return clean


def statement_figures(results: list[Reconciled], sampled: int) -> dict[str, Any]:
    return {
        "funds": sampled,
        "statements": len(results),
        "entries": sum(int(r.first["entries"]) for r in results),
        "clean": sum(1 for r in results if r.first["clean"]),
        "by_bank": dict(sorted(Counter(r.bank for r in results).items())),
    }


def bank_checks(
    sim: Simulation, desk: BankDesk, events: RunEvents
) -> tuple[list[Check], dict[str, Any]]:
    """The end of a run for the banks: the bounded wait for the webhook queues to drain, the
    statements reconciled, the checks and the summary's figures. The subscriptions are disabled
    whatever happens."""
    try:
        concerns = expected_deliveries(sim, events)
        expected = expected_ids(concerns)
        total = sum(len(ids) for ids in expected.values())
        desk.wait_delivered(expected, timeout_s=120.0 + total / 20)
        sample = statement_sample(sim)
        bar = Progress("statements", len(sample), sim.quiet)
        results: list[Reconciled] = []
        with ThreadPoolExecutor(sim.scale.workers) as pool:
            for done in pool.map(lambda g: reconcile_fund(sim, g), sample):
                results += done
                bar.step(note=f"{len(results)} periods")
    finally:
        desk.close()
    groups = set(sim.group_ids())
    curps = {m.curp for g in sim.groups for m in g.members if m.curp}
    checks = [
        check_trust_banks(sim, events),
        check_deliveries(desk.inboxes, concerns, groups, curps),
        check_statements(results, len(sample)),
    ]
    figures = {
        "webhooks": delivery_figures(desk.inboxes, concerns, groups, desk.drained_s),
        "statements": statement_figures(results, len(sample)),
    }
    return checks, figures


def bank_rows(figures: dict[str, Any]) -> list[tuple[str, str]]:
    """The summary table's lines for the banks."""
    hooks, st = figures["webhooks"], figures["statements"]
    rows = [
        (
            "bank statements reconciled",
            f"{st['statements']} camt.053 of {st['funds']} funds ({st['entries']} entries), "
            f"{st['clean']} with no exception",
        )
    ]
    for bank, x in hooks["subscribers"].items():
        rows.append(
            (
                f"  webhooks to {bank}",
                f"{x['received']} of {x['expected']} events ({x['copies']} requests, "
                f"{x['duplicates']} repeats; {x['funds_held']} funds held; "
                f"{x['foreign']} of other platforms)",
            )
        )
    rows.append(("  webhook queues drained in", f"{hooks['drain_s']} s"))
    return rows

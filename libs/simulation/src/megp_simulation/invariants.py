"""The invariants checked at the end of a run: the funds' and credit's here, the marketplace's in
`market_checks`, the inventors' in `ip_checks`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from megp_simulation.digest import (
    COMP,
    DEV,
    INFLOW_KINDS,
    TRUST,
    JournalDigest,
    MarketIndex,
    RunEvents,
    cents,
    line_amount,
)
from megp_simulation.model import Group
from megp_simulation.scenario import Simulation

__all__ = ["COMP", "DEV", "INFLOW_KINDS", "TRUST", "MarketIndex", "cents", "line_amount"]


@dataclass
class Check:
    name: str
    how: str
    failures: list[str] = field(default_factory=list)
    checked: int = 0
    #: what was seen but not judged (say, others' messages on a shared broker)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def expect(self, condition: bool, failure: str) -> None:
        self.checked += 1
        if not condition and len(self.failures) < 20:
            self.failures.append(failure)
        elif not condition:
            self.failures.append("...")

    def note(self, seen: str) -> None:
        self.notes.append(seen)

    def absorb(self, other: Check) -> None:
        """Take in `other`'s judgements (another group's share of the same check)."""
        self.checked += other.checked
        real = [f for f in other.failures if f != "..."]
        self.failed_of(0, real, len(other.failures))
        self.notes.extend(other.notes)

    def failed_of(self, checked: int, failures: list[str], failed: int | None = None) -> None:
        """`checked` judgements made while a digest folded what it read, of which `failed`
        (by default as many as `failures`, the first of them kept) failed."""
        self.checked += checked
        for failure in failures:
            if len(self.failures) >= 20:
                break
            self.failures.append(failure)
        if (len(failures) if failed is None else failed) > 0 and len(self.failures) >= 20:
            self.failures.append("...")


@dataclass
class FundView:
    group: Group
    statement: dict[str, Any]
    ledger_check: dict[str, Any]
    journal: JournalDigest
    notices: int  # the fund's notices of non-fulfilment (the summary counts them)


#: journal entries per page the checks read: a deposit sheet is one entry with a line per
#: member, so a page of 200 entries of a 200-member group's journal was about 1.5 MB of JSON
#: and several times that decoded; 16 workers each holding one took the driver of a quarter of
#: the national run from 193 to 459 MiB (its tracemalloc marks), the national run to 833
JOURNAL_PAGE = 25


def read_fund(sim: Simulation, g: Group) -> FundView:
    """The fund's statement, ledger check, notices and debts, and its journal read a page at a
    time and folded (`JournalDigest`): no entry is kept."""
    api = sim.api
    journal = JournalDigest()
    cursor = None
    while True:
        page = api.call(
            "funds",
            "GET",
            f"/funds/{g.group_id}/journal",
            params={"limit": JOURNAL_PAGE} | ({"cursor": cursor} if cursor else {}),
        )
        for entry in page["items"]:
            journal.note(entry)
        cursor = page.get("next_cursor")
        del page  # the next page is read before this name would let go of the last
        if not cursor:
            break
    return FundView(
        group=g,
        statement=api.call("funds", "GET", f"/funds/{g.group_id}/statement"),
        ledger_check=api.call("funds", "GET", f"/funds/{g.group_id}/ledger-check"),
        journal=journal,
        notices=len(api.call("funds", "GET", f"/funds/{g.group_id}/notices")),
    )


def check_funds(sim: Simulation, funds: list[FundView]) -> list[Check]:
    ledger = Check("ledger balances", "GET /funds/{id}/ledger-check: rebuilt = cached, no seq gap")
    cash = Check(
        "inflows - outflows = trust cash",
        "the simulation's own books (deposits, grants at their rate, replenishments, less what "
        "credit says the fund paid and the withdrawals) against the statement; and the journal's "
        "trust-cash lines against it",
    )
    split = Check(
        "sub-funds = half the inflows less outflows",
        "each inflow entry credits ceil(x/2) to development and floor(x/2) to competition (odd "
        "centavo to development); each sub-fund = its halves of the simulation's inflows + "
        "replenishment credits - its debits, against the statement",
    )
    for f in funds:
        g, st = f.group, f.statement
        ledger.expect(
            f.ledger_check["consistent"] and not f.ledger_check["missing_sequence_numbers"],
            f"{g.group_id}: {f.ledger_check}",
        )
        paid_by_fund = sum(
            Decimal(i["principal"]) + Decimal(i["interest"])
            for loan in g.loans
            for i in loan.instalments
            if i["status"] == "paid" and i.get("paid_by") == "fund"
        )
        ours = sum(g.inflows, Decimal(0)) + g.replenished - paid_by_fund - g.withdrawn
        cash.expect(
            cents(ours) == cents(st["trust_cash"]),
            f"{g.group_id}: books {ours} vs statement trust cash {st['trust_cash']}",
        )
        journal_cash = f.journal.trust_cash
        cash.expect(
            journal_cash == cents(st["trust_cash"]),
            f"{g.group_id}: journal trust cash {journal_cash} vs statement {st['trust_cash']}",
        )
        dev = comp = 0
        for inflow in g.inflows:
            c = cents(inflow)
            dev, comp = dev + c - c // 2, comp + c // 2
        j = f.journal
        split.failed_of(
            j.inflow_count,
            [f"{g.group_id}: entry {eid} splits {c} unevenly" for eid, c in j.uneven],
            j.uneven_count,
        )
        dev, comp = dev + j.dev, comp + j.comp
        split.expect(
            dev == cents(st["development_subfund"]) and comp == cents(st["competition_subfund"]),
            f"{g.group_id}: expected dev {dev} comp {comp} centavos, statement "
            f"{st['development_subfund']} / {st['competition_subfund']}",
        )
        inflow_entries = j.inflow_count
        split.expect(
            inflow_entries == len(g.inflows),
            f"{g.group_id}: {inflow_entries} inflow entries, the simulation made {len(g.inflows)}",
        )
    return [ledger, cash, split]


def check_instalments(sim: Simulation, funds: list[FundView], events: RunEvents) -> list[Check]:
    fell_due = Check(
        "every instalment that fell due is settled",
        "credit's loans: due by the last day is paid or overdue, and each overdue one has an "
        "InstallmentOverdue event with a reason",
    )
    once = Check(
        "no instalment paid twice",
        "at most one InstallmentPaid event and one fund journal entry (FundRepaymentMade's "
        "entry_id) per instalment",
    )
    announced = Check(
        "each fund repayment announced once",
        "one FundRepaymentMade event id per journal entry (a copy with a new id defeats the "
        "consumers' dedupe by id)",
    )
    matched = Check(
        "each fund repayment matches one instalment",
        "every instalment_payment journal entry names a loan and number paid by the fund, with "
        "the instalment's total; counts equal",
    )
    overdue_reasons = events.overdue_reasons
    paid_events = events.instalments_paid
    entries = {
        (d["loan_id"], d["installment_number"], d["entry_id"]) for d in events.repayments.values()
    }
    fund_paid_events = Counter((lid, n) for lid, n, _ in entries)
    per_entry = Counter(d["entry_id"] for d in events.repayments.values())
    for entry_id, copies in per_entry.items():
        announced.expect(copies == 1, f"entry {entry_id} announced by {copies} event ids")
    for n, c in (paid_events | fund_paid_events).items():
        once.expect(
            paid_events[n] <= 1 and fund_paid_events[n] <= 1, f"instalment {n} paid {c} times"
        )
    for f in funds:
        g = f.group
        by_number = {(loan.loan_id, i["number"]): i for loan in g.loans for i in loan.instalments}
        for (lid, n), i in by_number.items():
            if date.fromisoformat(i["due_date"]) > sim.end_day:
                continue
            fell_due.expect(
                i["status"] in ("paid", "overdue"), f"{lid}#{n} due {i['due_date']}: {i['status']}"
            )
            if i["status"] == "overdue" or i.get("was_late"):
                fell_due.expect(
                    bool(overdue_reasons.get((lid, n))), f"{lid}#{n} overdue without a reason"
                )
            once.expect(paid_events[(lid, n)] <= 1, f"{lid}#{n} paid twice")
        repayments = f.journal.repayments
        seen: set[tuple[str, int]] = set()
        for r in repayments:
            loan_id, num = r.loan_id, r.number
            paid = by_number.get((loan_id, num))
            matched.expect(
                paid is not None
                and paid.get("paid_by") == "fund"
                and (loan_id, num) not in seen
                and r.trust_credit == cents(paid["principal"]) + cents(paid["interest"]),
                f"{g.group_id}: entry {r.entry_id} ({loan_id}#{num}) matches no unpaid-by-fund "
                "instalment",
            )
            seen.add((loan_id, num))
        by_fund = sum(1 for i in by_number.values() if i.get("paid_by") == "fund")
        matched.expect(
            by_fund == len(repayments),
            f"{g.group_id}: {by_fund} instalments paid by the fund, {len(repayments)} entries",
        )
    return [fell_due, once, matched, announced]


def _settled(instalment: dict[str, Any]) -> date | None:
    day = instalment.get("settled_on") or instalment.get("paid_on")
    return date.fromisoformat(day) if day else None


def check_lines(sim: Simulation, lines: dict[str, dict[str, Any]]) -> list[Check]:
    cap = Check(
        "lines within 64 x the initial deposit",
        "cap = 64 x initial deposit; the opening limit = 2 x the members' deposits of the first "
        "three months (the simulation's own count); limit and every review <= cap",
    )
    rule = Check(
        "every review follows the rule",
        "previous limits chain; doubled = min(2x, cap), held = same, halved = x/2; outcome "
        "agrees with the instalments due before the review, whenever they fell due (not settled "
        "before it -> halved; none late -> doubled or held at the cap; settled late within the "
        "period -> held or halved)",
    )
    for g in sim.groups:
        line = lines.get(g.group_id)
        if line is None:
            continue
        initial, limit = Decimal(line["initial_deposit"]), Decimal(line["limit"])
        cap.expect(
            Decimal(line["cap"]) == initial * 64, f"{g.group_id}: cap {line['cap']} vs {initial}"
        )
        cap.expect(
            initial == g.initial_deposits,
            f"{g.group_id}: initial deposit {initial}, simulation deposited {g.initial_deposits}",
        )
        cap.expect(limit <= initial * 64, f"{g.group_id}: limit {limit} above the cap")
        previous = initial * 2
        start = date.fromisoformat(line["opened_on"])
        for review in line["reviews"]:
            before, after = Decimal(review["previous_limit"]), Decimal(review["limit"])
            on = date.fromisoformat(review["reviewed_on"])
            cap.expect(after <= initial * 64, f"{g.group_id}: review to {after} above the cap")
            rule.expect(before == previous, f"{g.group_id}: review from {before}, was {previous}")
            outcome = review["outcome"]
            expected = {
                "doubled": min(before * 2, initial * 64),
                "held": before,
                "halved": (before / 2).quantize(Decimal("0.01")),
            }.get(outcome)
            rule.expect(expected == after, f"{g.group_id}: {outcome} {before} -> {after}")
            # credit's rule: every instalment due before the review, whenever it fell due, not
            # settled before the review date was still overdue at it; one settled late within
            # the period was late but is cured
            due = [
                (date.fromisoformat(i["due_date"]), _settled(i))
                for loan in g.loans
                for i in loan.instalments
                if date.fromisoformat(i["due_date"]) < on
            ]
            still = [d for d, settled in due if settled is None or settled >= on]
            late = still + [d for d, s in due if s is not None and start <= s < on and s > d]
            if still:
                rule.expect(outcome == "halved", f"{g.group_id} {on}: overdue yet {outcome}")
            elif not late:
                rule.expect(
                    outcome == "doubled" or (outcome == "held" and "cap" in review["reason"]),
                    f"{g.group_id} {on}: none late yet {outcome}",
                )
            else:
                rule.expect(outcome in ("held", "halved"), f"{g.group_id} {on}: late, {outcome}")
            previous, start = after, on
    return [cap, rule]


def check_kafka(
    lag: dict[str, int], dlq: dict[str, tuple[int, int]], foreign_moves: int
) -> list[Check]:
    alone = Check(
        "the clock was this run's alone",
        "the shared clock's setting version only changed by this run's own moves",
    )
    alone.expect(foreign_moves == 0, f"{foreign_moves} clock settings made by someone else")
    lagging = Check(
        "consumer lag zero",
        "committed offsets of groups enrollment, funds, credit, trade "
        "equal the end offsets of the partitions they read",
    )
    for group, n in lag.items():
        lagging.expect(n == 0, f"{group}: lag {n}")
    dead = Check(
        "dead-letter topics empty",
        "messages on <service>.dlq since the run started, keyed by this run's groups "
        "(others, from whatever else shares the broker, are counted apart and not judged)",
    )
    for topic, (ours, others) in dlq.items():
        dead.expect(ours == 0, f"{topic}: {ours} of this run's since it started")
        if others:
            dead.note(f"{topic}: {others} not this run's")
    return [alone, lagging, dead]

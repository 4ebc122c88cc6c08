"""The invariants checked at the end of a run, and the figures of its summary."""

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
from megp_simulation.market import buyer_claims
from megp_simulation.model import Group, OrderTrack, money, noon
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
    notices: list[dict[str, Any]]
    debts: list[dict[str, Any]]


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
            params={"limit": 200} | ({"cursor": cursor} if cursor else {}),
        )
        for entry in page["items"]:
            journal.note(entry)
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return FundView(
        group=g,
        statement=api.call("funds", "GET", f"/funds/{g.group_id}/statement"),
        ledger_check=api.call("funds", "GET", f"/funds/{g.group_id}/ledger-check"),
        journal=journal,
        notices=api.call("funds", "GET", f"/funds/{g.group_id}/notices"),
        debts=api.call("funds", "GET", f"/funds/{g.group_id}/debts"),
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


# -- the marketplace ----------------------------------------------------------------------------
#
# A national run reads every order of every group back, and enrollment's period of every month
# a group sold in (each with its 200 members' rows). Kept for all groups at once, those bodies
# would be the largest thing in the driver's memory; so each group's market is read and judged
# in one step (`fold_market`), and only the judgements (a few counters and at most 20 failures
# per check) outlive it. What the events say is indexed once for every group (`MarketIndex`).


@dataclass
class MarketView:
    group: Group
    products: dict[str, dict[str, Any]]  # trade's products of the group, by id
    orders: dict[str, str]  # each order's status as its buyer reads it
    bodies: dict[str, dict[str, Any]]  # each order as its buyer reads it, by id
    periods: dict[date, dict[str, Any]]  # enrollment's group periods that should show sales


def royalty_events(events: RunEvents) -> dict[str, dict[str, Any]]:
    """ip_counsel.RoyaltyReceived of the run, by event id (a redelivered copy counts once)."""
    return {eid: data for kept in events.market.royalties.values() for eid, data in kept}


def judge_market(sim: Simulation, g: Group, index: MarketIndex) -> dict[str, Check]:
    """The group's share of every marketplace check, judged as it is read: each of its orders
    as its buyer reads it (once every order left unpaid before the last day has expired on the
    scheduler), trade's products, and enrollment's periods with sales, each judged and dropped
    as it comes (a national group's orders and periods are its months' worth). Only the
    judgements outlive the call: the same as `fold_market` over a `MarketView` of them."""
    api = sim.api
    checks = market_checks()
    for o in g.orders:

        def read(o: Any = o) -> dict[str, Any] | None:
            body = api.call("trade", "GET", f"/orders/{o.order_id}", o.role, claims=buyer_claims(o))
            status = str(body["status"])
            waiting = o.outcome == "left" and o.placed_on < sim.end_day and status == "reserved"
            return None if waiting else dict(body)

        body = sim.eventually(f"order {o.order_id} settled", read)
        _order_ended(sim, o, str(body["status"]), checks[ORDERS])
        _split_order(sim, o, body, checks[SPLITS])
    products = api.call(
        "trade",
        "GET",
        "/products",
        "odf_staff",
        claims=g.staff(),
        params={"group_id": g.group_id, "limit": 500},
    )
    _stock(sim, g, {p["id"]: p for p in products}, checks[STOCK])
    _sales_announced(g, index, checks[COUNTED])
    _returns_announced(g, index, checks[RETURNS])
    for start in _period_starts(g, index):
        period = api.call(
            "enrollment",
            "GET",
            f"/groups/{g.group_id}/periods/{start.isoformat()}",
            "odf_staff",
            claims=g.staff(),
        )
        _period_sales(g, index, start, period, checks[COUNTED])
        _period_returns(g, index, start, period, checks[RETURNS])
        _period_royalties(g, index, start, period, checks[ROYALTIES])
    return checks


def _period_starts(g: Group, index: MarketIndex) -> list[date]:
    """The months whose enrollment period should show the group's sales, returns or
    royalties: those the sales events name and those the run sold, took back or paid in."""
    days = set(index.sale_months.get(g.group_id, ()))
    days |= {o.placed_on for o in g.orders if o.outcome == "paid"} | {x.on for x in g.returns}
    days |= {day for _, day, _ in (g.invention.royalties if g.invention else ())}
    return sorted({d.replace(day=1) for d in days})


def read_market(sim: Simulation, g: Group, index: MarketIndex) -> MarketView:
    """Trade's products and the run's orders of the group, and enrollment's periods with
    sales, kept whole in a view (for a test's `fold_market`; the run uses `judge_market`)."""
    api = sim.api
    statuses: dict[str, str] = {}
    bodies: dict[str, dict[str, Any]] = {}
    for o in g.orders:

        def read(o: Any = o) -> dict[str, Any] | None:
            body = api.call("trade", "GET", f"/orders/{o.order_id}", o.role, claims=buyer_claims(o))
            status = str(body["status"])
            waiting = o.outcome == "left" and o.placed_on < sim.end_day and status == "reserved"
            return None if waiting else dict(body)

        bodies[o.order_id] = sim.eventually(f"order {o.order_id} settled", read)
        statuses[o.order_id] = str(bodies[o.order_id]["status"])
    products = api.call(
        "trade",
        "GET",
        "/products",
        "odf_staff",
        claims=g.staff(),
        params={"group_id": g.group_id, "limit": 500},
    )
    periods = {}
    for start in _period_starts(g, index):
        periods[start] = api.call(
            "enrollment",
            "GET",
            f"/groups/{g.group_id}/periods/{start.isoformat()}",
            "odf_staff",
            claims=g.staff(),
        )
    return MarketView(g, {p["id"]: p for p in products}, statuses, bodies, periods)


STOCK, ORDERS, COUNTED, SPLITS, RETURNS, ROYALTIES = (
    "stock never negative",
    "every order ended as its buyer left it",
    "every completed sale counted once in its producer's period results",
    "each line split by its channel's terms",
    "every accepted return taken once from its producer's period",
    "every royalty counted once in its inventor's period results",
)


def market_checks() -> dict[str, Check]:
    """The marketplace's checks, empty, by name (in the order the summary lists them)."""
    return {
        STOCK: Check(
            STOCK,
            "every product's available, reserved and sold >= 0 (GET /products); sold = the "
            "units of the paid orders less those returned and restocked; available + reserved "
            "+ sold = listed + restocked; reserved = the units of the orders left unpaid on the "
            "last day",
        ),
        ORDERS: Check(
            ORDERS,
            "paid and shipped -> completed, cancelled -> cancelled, left unpaid -> expired on "
            "the clock (reserved if left on the last day)",
        ),
        COUNTED: Check(
            COUNTED,
            "one SaleCompleted per paid order and producer, with the driver's producer part in "
            "pesos (producer_part_mxn of a dollar sale); the sum of those parts per member and "
            "period = the period's sales in enrollment (the closed result's, or the open "
            "period's), no late or unplanned sale, each sale listed once",
        ),
        SPLITS: Check(
            SPLITS,
            "every order line (GET /orders/{id}) names the order's channel; producer part + "
            "fee + logistics = the line total, and the fee and logistics are the channel's "
            "rates x the total within half a centavo (a dollar line: in dollars, and in pesos "
            "once paid); a paid dollar order's peso total = its dollar total x the day's "
            "recorded rate (to the centavo), the lines' peso totals summing to it",
        ),
        ROYALTIES: Check(
            ROYALTIES,
            "one RoyaltyReceived per payment and inventor with the part ip-counsel answered; "
            "the event counted once (royalty:<payment>) in that inventor's period of the day "
            "received",
        ),
        RETURNS: Check(
            RETURNS,
            "one SaleReturned per return the ODF accepted after the sale, with the producer part "
            "the decision answered (pesos); per member and period their sum = enrollment's "
            "returns (the closed result's, or the open period's), each return listed once, none "
            "late",
        ),
    }


def fold_market(sim: Simulation, v: MarketView, index: MarketIndex) -> dict[str, Check]:
    """One group's share of every marketplace check, judged from its view (which can then go).
    The checks that look across groups (a return or a royalty announced that no group made)
    are `market_across`'s."""
    checks = market_checks()
    g = v.group
    for o in g.orders:
        _order_ended(sim, o, v.orders.get(o.order_id), checks[ORDERS])
    _stock(sim, g, v.products, checks[STOCK])
    _sales_counted(v, index, checks[COUNTED])
    _splits(sim, v, checks[SPLITS])
    _returns_taken(v, index, checks[RETURNS])
    _royalties_counted(v, index, checks[ROYALTIES])
    return checks


def market_across(sim: Simulation, index: MarketIndex, checks: dict[str, Check]) -> None:
    """The marketplace checks that look across the groups: no return or royalty was announced
    that the run did not make."""
    ours = {x.return_id for g in sim.groups for x in g.returns}
    _no_stray_returns(index, ours, checks[RETURNS])
    _no_stray_royalties(sim, index, checks[ROYALTIES])


def _no_stray_returns(index: MarketIndex, ours: set[str], once: Check) -> None:
    """No return was announced that none of `ours` made."""
    stray = set(index.by_return) - ours
    once.expect(not stray, f"returns nobody asked for: {stray}")


def _no_stray_royalties(sim: Simulation, index: MarketIndex, once: Check) -> None:
    """No royalty was announced that the run's inventors were not paid."""
    made = {
        (payment, pid)
        for g in sim.groups
        for payment, _, parts in (g.invention.royalties if g.invention else ())
        for pid in parts
    }
    for key in index.royalties:
        once.expect(key in made, f"royalty {key} announced, never paid by the run")


def merge_checks(parts: list[dict[str, Check]]) -> dict[str, Check]:
    """The groups' shares of each check, as one check each."""
    merged = market_checks()
    for part in parts:
        for name, check in part.items():
            merged[name].absorb(check)
    return merged


def check_marketplace(
    sim: Simulation, views: list[MarketView], index: MarketIndex
) -> dict[str, Check]:
    """Every marketplace check over `views` (each group's): their shares merged, then the
    checks across groups."""
    checks = merge_checks([fold_market(sim, v, index) for v in views])
    market_across(sim, index, checks)
    return checks


def check_market(
    sim: Simulation,
    markets: list[MarketView],
    sales: dict[str, dict[str, Any]],
    royalties: dict[str, dict[str, Any]] | None = None,
) -> list[Check]:
    """The stock, orders, sales and splits checks over the given views."""
    index = MarketIndex.of(sales, None, royalties)
    checks = merge_checks([fold_market(sim, v, index) for v in markets])
    return [checks[STOCK], checks[ORDERS], checks[COUNTED], checks[SPLITS]]


def _order_ended(sim: Simulation, o: OrderTrack, got: str | None, orders: Check) -> None:
    want = {"paid": "completed", "cancelled": "cancelled", "left": "expired"}[o.outcome]
    if o.outcome == "left" and o.placed_on == sim.end_day:
        want = "reserved"
    orders.expect(got == want, f"order {o.order_id} ({o.outcome}) is {got}")


def _stock(sim: Simulation, g: Group, products: dict[str, dict[str, Any]], stock: Check) -> None:
    held: Counter[str] = Counter()
    for o in g.orders:
        if o.outcome == "left" and o.placed_on == sim.end_day:
            for pid, q in o.lines:
                held[pid] += q
    for p in g.products:
        found = products.get(p.product_id)
        if found is None:
            stock.expect(False, f"{g.group_id}: product {p.product_id} not listed by trade")
            continue
        s = found["stock"]
        stock.expect(
            min(s["available"], s["reserved"], s["sold"]) >= 0,
            f"{p.product_id}: negative stock {s}",
        )
        stock.expect(s["sold"] == p.sold, f"{p.product_id}: sold {s['sold']}, paid {p.sold}")
        stock.expect(
            s["available"] + s["reserved"] + s["sold"] == p.listed + p.restocked,
            f"{p.product_id}: {s} against {p.listed} listed + {p.restocked} restocked",
        )
        stock.expect(
            s["reserved"] == held[p.product_id],
            f"{p.product_id}: reserved {s['reserved']}, left unpaid {held[p.product_id]}",
        )


def _sales_counted(v: MarketView, index: MarketIndex, counted: Check) -> None:
    _sales_announced(v.group, index, counted)
    for start, period in v.periods.items():
        _period_sales(v.group, index, start, period, counted)


def _sales_announced(g: Group, index: MarketIndex, counted: Check) -> None:
    for o in g.orders:
        for pid, part in o.producer_parts.items():
            n, said = index.sale(o.order_id, pid)
            counted.expect(
                n == 1 and said == part,
                f"order {o.order_id}, producer {pid}: {n} SaleCompleted ({said} against {part})",
            )


def _period_sales(
    g: Group, index: MarketIndex, start: date, period: dict[str, Any], counted: Check
) -> None:
    for row in period["members"]:
        pid = row["participant_id"]
        shown = (row["result"] or {}).get("sales") if period["closed_at"] else row["sales"]
        total = index.income.get((g.group_id, pid, start), Decimal(0))
        counted.expect(
            shown is not None and Decimal(shown) == total,
            f"{g.group_id} {start} {pid}: enrollment shows {shown}, sales {total}",
        )
        ids = [x["order_id"] for x in row["sales_counted"]]
        counted.expect(
            len(ids) == len(set(ids)) and not row["late_sales"],
            f"{g.group_id} {start} {pid}: sales {ids}, late {row['late_sales']}",
        )
    counted.expect(not period["unplanned_sales"], f"{g.group_id} {start}: unplanned sales")


def check_returns(markets: list[MarketView], returned: dict[str, dict[str, Any]]) -> Check:
    """The returns check over the given views (those groups' returns are all the run made)."""
    index = MarketIndex.of({}, returned)
    once = market_checks()[RETURNS]
    for v in markets:
        _returns_taken(v, index, once)
    _no_stray_returns(index, {x.return_id for v in markets for x in v.group.returns}, once)
    return once


def _returns_taken(v: MarketView, index: MarketIndex, once: Check) -> None:
    _returns_announced(v.group, index, once)
    for start, period in v.periods.items():
        _period_returns(v.group, index, start, period, once)


def _returns_announced(g: Group, index: MarketIndex, once: Check) -> None:
    for x in g.returns:
        n, part = index.by_return[x.return_id], index.return_part.get(x.return_id)
        once.expect(
            n == 1 and part == x.producer_part,
            f"return {x.return_id}: {n} SaleReturned ({part} against {x.producer_part})",
        )


def _period_returns(
    g: Group, index: MarketIndex, start: date, period: dict[str, Any], once: Check
) -> None:
    for row in period["members"]:
        pid = row["participant_id"]
        result = row["result"] or {}
        shown = result.get("returns") if period["closed_at"] else row["returns"]
        total = index.taken_back.get((g.group_id, pid, start), Decimal(0))
        once.expect(
            shown is not None and Decimal(shown) == total,
            f"{g.group_id} {start} {pid}: enrollment takes {shown}, returns {total}",
        )
        ids = [x["return_id"] for x in row.get("returns_counted", [])]
        once.expect(
            len(ids) == len(set(ids)) and not row.get("late_returns"),
            f"{g.group_id} {start} {pid}: returns {ids}, late {row.get('late_returns')}",
        )


HALF_CENTAVO = Decimal("0.005")


def _split_ok(split: dict[str, Any], fee_rate: Decimal, logistics_rate: Decimal) -> bool:
    total, fee = Decimal(split["total"]), Decimal(split["channel_fee"])
    logistics, producer = Decimal(split["logistics"]), Decimal(split["producer_part"])
    return (
        producer + fee + logistics == total
        and min(producer, fee, logistics) >= 0
        and abs(fee - total * fee_rate) <= HALF_CENTAVO
        and abs(logistics - total * logistics_rate) <= HALF_CENTAVO
    )


def check_splits(sim: Simulation, markets: list[MarketView]) -> Check:
    splits = market_checks()[SPLITS]
    for v in markets:
        _splits(sim, v, splits)
    return splits


def _splits(sim: Simulation, v: MarketView, splits: Check) -> None:
    for o in v.group.orders:
        _split_order(sim, o, v.bodies.get(o.order_id), splits)


def _split_order(
    sim: Simulation, o: OrderTrack, body: dict[str, Any] | None, splits: Check
) -> None:
    terms = sim.channels.get(o.channel)
    if body is None or terms is None:
        splits.expect(False, f"order {o.order_id}: channel {o.channel} unknown or unread")
        return
    fee, logistics = terms.fee_rate, terms.logistics_rate
    for line in body["lines"]:
        where = f"order {o.order_id} line {line['number']} ({o.channel})"
        splits.expect(
            line["channel_id"] == o.channel == body["channel"]
            and (line["fee_rate"] is None or Decimal(line["fee_rate"]) == fee)
            and _split_ok(line["split"], fee, logistics),
            f"{where}: {line['split']} at {line['fee_rate']} against {fee} + {logistics}",
        )
    if o.currency != "USD" or o.outcome != "paid":
        return
    rate = sim.rates.get(o.placed_on)
    in_mxn = [line.get("split_mxn") for line in body["lines"]]
    peso_total = Decimal(body["total_mxn"] or "-1")
    splits.expect(
        rate is not None
        and Decimal(body["exchange_rate"]) == rate
        and peso_total == money(Decimal(body["total"]) * rate)
        and peso_total == o.total_mxn
        and all(s is not None and _split_ok(s, fee, logistics) for s in in_mxn)
        and sum((Decimal(s["total"]) for s in in_mxn if s), Decimal(0)) == peso_total,
        f"order {o.order_id}: {body['total']} USD at {body['exchange_rate']} (recorded "
        f"{rate}) = {body['total_mxn']} MXN, lines {in_mxn}",
    )


def check_rounds(sim: Simulation) -> Check:
    rounds = Check(
        "purchasing rounds split to the centavo",
        "every round whose closing date passed is allocated; its pooled quantity is every "
        "demand its members stated at the same time; its members' cost shares sum to the "
        "chosen total; none negative",
    )
    for g in sim.groups:
        for x in g.rounds:
            if noon(sim.end_day) < x.closes_at:
                continue
            rounds.expect(
                x.status == "allocated"
                and x.pooled == x.demanded
                and sum(x.shares, Decimal(0)) == x.total
                and all(s >= 0 for s in x.shares),
                f"round {x.round_id}: {x.status}, pooled {x.pooled} of {x.demanded} demanded, "
                f"shares {sum(x.shares, Decimal(0))} of {x.total}",
            )
    return rounds


IP_DB = "megp_ip_counsel"
REMINDED, MISSED = "ip_counsel.DeadlineReminderDue", "ip_counsel.DeadlineMissed"


def ip_events(events: RunEvents) -> list[dict[str, Any]]:
    """ip-counsel's deadline reminders and misses of the run, one copy of each (delivery is at
    least once: a copy carries the same id), each as {"id", "type", "data"}."""
    return [
        {"id": eid, "type": kept["type"], "data": {k: v for k, v in kept.items() if k != "type"}}
        for eid, kept in events.deadlines.items()
    ]


def scan_store(mongo: str, words: list[str]) -> tuple[int, list[str]]:
    """Every document of ip-counsel's database, raw BSON (as a dump would hold it), looked
    through for the words, in any case: (documents scanned, what was found where)."""
    import bson
    from pymongo import MongoClient

    wanted = [w.encode() for w in words]
    client: MongoClient[dict[str, Any]] = MongoClient(mongo, serverSelectionTimeoutMS=10000)
    scanned, found = 0, []
    try:
        db = client[IP_DB]
        for name in db.list_collection_names():
            for doc in db[name].find({}):
                raw = bson.encode(doc).lower()
                scanned += 1
                found += [f"{name}: {w.decode()}" for w in wanted if w.lower() in raw]
    finally:
        client.close()
    return scanned, found


def check_secrecy(
    sim: Simulation, events: RunEvents, outside: list[str], mongo: str | None
) -> list[Check]:
    """No disclosure's made-up words outside its circle: in none of the run's events (every
    topic, ip-counsel's too), in no answer of the other services after the disclosures, in
    none of ip-counsel's answers to readers outside the circle, and not in plaintext in
    ip-counsel's store."""
    words = list(sim.api.watched)
    seen = Check(
        "no disclosure content outside its circle",
        "the disclosures' made-up words appear in none of the run's events, none of the other "
        "services' answers, no outsider's read of ip-counsel",
    )
    if sim.scale.inventive > 0:
        seen.expect(bool(words), "the run recorded no disclosure")
    if words and not set(words) <= set(events.watched):
        seen.failures.append(f"the events were scanned for {events.watched}, not all of {words}")
    found = events.secrets_found
    seen.failed_of(events.secrets_scanned, found)
    for answer in outside:
        hits = [w for w in words if w in answer]
        seen.expect(not hits and answer.startswith("200 "), f"outsider read {answer[:120]}")
    seen.checked += sim.api.answers_scanned
    for leak in sim.api.leaks[:20]:
        seen.failures.append(f"answer {leak}")
    stored = Check(
        "no disclosure content in plaintext in ip-counsel's store",
        f"every document of {IP_DB}, raw BSON, holds none of the made-up words in any case",
    )
    if words and mongo is None:
        stored.failures.append("the store was not given to the run (--mongo), so not scanned")
    elif words and mongo is not None:
        scanned, found = scan_store(mongo, words)
        stored.checked = scanned
        stored.failures.extend(found[:20])
        if scanned == 0:
            stored.failures.append(f"{IP_DB} holds no document")
    return [seen, stored]


def check_deadlines(sim: Simulation, events: RunEvents) -> Check:
    """Each deadline's reminder (by its day) and miss announced at most once per filing, and
    only for the run's filings."""
    announced = Check(
        "each deadline reminder and miss announced at most once",
        "per filing, deadline and announcement (a reminder's day, or the miss), from the "
        "events of ip-counsel.events",
    )
    filings = {g.invention.filing_id for g in sim.groups if g.invention and g.invention.filing_id}
    count: Counter[tuple[str, ...]] = Counter()
    for e in ip_events(events):
        if e.get("type") not in (REMINDED, MISSED):
            continue
        data = e.get("data") or {}
        what = str(data.get("reminder_on")) if e["type"] == REMINDED else "missed"
        count[(str(data.get("filing_id")), str(data.get("deadline_id")), what)] += 1
    for (filing, deadline, what), n in sorted(count.items()):
        announced.expect(
            n == 1 and filing in filings, f"filing {filing} {deadline} {what}: announced {n}x"
        )
    return announced


def check_royalties(
    sim: Simulation, markets: list[MarketView], royalties: dict[str, dict[str, Any]]
) -> Check:
    """Like the sales: one RoyaltyReceived per payment and inventor with the part the payment
    answered, and that event counted exactly once in the inventor's period containing the day
    it was received (`sales_counted`, order `royalty:<payment id>`, source royalty)."""
    index = MarketIndex()
    index.note_royalties(royalties)
    checks = {ROYALTIES: market_checks()[ROYALTIES]}
    for v in markets:
        _royalties_counted(v, index, checks[ROYALTIES])
    _no_stray_royalties(sim, index, checks[ROYALTIES])
    return checks[ROYALTIES]


def _royalties_counted(v: MarketView, index: MarketIndex, once: Check) -> None:
    g = v.group
    paid = {day.replace(day=1) for _, day, _ in (g.invention.royalties if g.invention else ())}
    for start in sorted(paid):
        _period_royalties(g, index, start, v.periods.get(start), once)


def _period_royalties(
    g: Group, index: MarketIndex, start: date, period: dict[str, Any] | None, once: Check
) -> None:
    """The royalties the group's inventors were paid in `start`'s month, against its period."""
    for payment, received_on, parts in g.invention.royalties if g.invention else ():
        if received_on.replace(day=1) != start:
            continue
        rows = {r["participant_id"]: r for r in (period or {}).get("members", [])}
        for pid, amount in parts.items():
            announced = index.royalties.get((payment, pid), [])
            ok = len(announced) == 1 and Decimal(announced[0][1]["amount"]) == amount
            counted = [
                x
                for x in (rows.get(pid) or {}).get("sales_counted", [])
                if x["order_id"] == f"royalty:{payment}"
            ]
            once.expect(
                ok
                and len(counted) == 1
                and counted[0]["sale_id"] == announced[0][0]
                and Decimal(counted[0]["producer_part"]) == amount,
                f"royalty {payment} to {pid} ({amount}): {len(announced)} announced, "
                f"counted {counted}",
            )

"""The marketplace's invariants: each group's orders, stock, sales and returns judged as they
are read back, the price splits, and the purchasing rounds (`invariants` holds the funds' and
credit's)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from megp_simulation.digest import (
    MarketIndex,
    RunEvents,
)
from megp_simulation.invariants import Check
from megp_simulation.market import buyer_claims
from megp_simulation.model import Group, OrderTrack, money, noon
from megp_simulation.scenario import Simulation

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
    royalties_counted(v, index, checks[ROYALTIES])
    return checks


def market_across(sim: Simulation, index: MarketIndex, checks: dict[str, Check]) -> None:
    """The marketplace checks that look across the groups: no return or royalty was announced
    that the run did not make."""
    ours = {x.return_id for g in sim.groups for x in g.returns}
    _no_stray_returns(index, ours, checks[RETURNS])
    no_stray_royalties(sim, index, checks[ROYALTIES])


def _no_stray_returns(index: MarketIndex, ours: set[str], once: Check) -> None:
    """No return was announced that none of `ours` made."""
    stray = set(index.by_return) - ours
    once.expect(not stray, f"returns nobody asked for: {stray}")


def no_stray_royalties(sim: Simulation, index: MarketIndex, once: Check) -> None:
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


def royalties_counted(v: MarketView, index: MarketIndex, once: Check) -> None:
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

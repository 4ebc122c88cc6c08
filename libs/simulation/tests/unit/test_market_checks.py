"""The marketplace's checks find what they look for: a counter below zero, a sold count that is
not the paid units, a sale announced twice or missing from its producer's period, a line not
split by its channel's terms, a dollar order converted at another rate than the day's, a
return announced twice or not taken, shares that do not sum to a round's total; and a
consistent market passes them. The quote the driver
chooses is the one that costs least at the tier the pooled quantity reaches."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from megp_simulation.digest import MarketIndex
from megp_simulation.market import cost, expected_returns, expected_sales
from megp_simulation.market_checks import (
    RETURNS,
    STOCK,
    MarketView,
    check_market,
    check_returns,
    check_rounds,
    check_splits,
    fold_market,
    market_across,
    merge_checks,
)
from megp_simulation.model import (
    ChannelTrack,
    Group,
    OrderTrack,
    ProductTrack,
    ReturnTrack,
    RoundTrack,
)

DAY = date(2044, 3, 15)
PERIOD = date(2044, 3, 1)
MARKET = ChannelTrack("marketplace", "marketplace", Decimal("0.10"), Decimal("0.05"))
ABROAD = ChannelTrack("a1", "association_abroad", Decimal("0.05"), Decimal("0.12"), "club")


def split(total: str, fee: str, logistics: str, producer: str) -> dict[str, str]:
    return {"total": total, "channel_fee": fee, "logistics": logistics, "producer_part": producer}


def body(order_id: str, total: str, parts: dict[str, str], **over: Any) -> dict[str, Any]:
    line = {"number": 1, "channel_id": "marketplace", "fee_rate": "0.10", "split": parts}
    return {"id": order_id, "channel": "marketplace", "total": total, "lines": [line]} | over


def market() -> tuple[Any, Group, MarketView, dict[str, dict[str, Any]]]:
    g = Group(index=0, state="09", rng=random.Random(1), group_id="g1")
    g.products = [ProductTrack("p1", "m1", Decimal("100.00"), listed=10, restocked=20)]
    paid = OrderTrack("o1", "b", [("p1", 3)], Decimal("300.00"), DAY, "paid")
    paid.producer_parts = {"m1": Decimal("255.00")}
    g.orders = [paid, OrderTrack("o2", "b", [("p1", 2)], Decimal("200.00"), DAY, "left")]
    g.products[0].sold = 3
    sim = SimpleNamespace(
        end_day=date(2044, 4, 15),
        groups=[g],
        channels={"marketplace": MARKET, "a1": ABROAD},
        rates={DAY: Decimal("18.0000")},
    )
    view = MarketView(
        g,
        {"p1": {"id": "p1", "stock": {"available": 27, "reserved": 0, "sold": 3}}},
        {"o1": "completed", "o2": "expired"},
        {
            "o1": body("o1", "300.00", split("300.00", "30.00", "15.00", "255.00")),
            "o2": body("o2", "200.00", split("200.00", "20.00", "10.00", "170.00")),
        },
        {
            PERIOD: {
                "closed_at": "2044-04-01T12:00:00Z",
                "unplanned_sales": [],
                "members": [
                    {
                        "participant_id": "m1",
                        "sales": "255.00",
                        "result": {"sales": "255.00", "returns": "0.00"},
                        "sales_counted": [{"order_id": "o1"}],
                        "late_sales": [],
                        "returns": "0.00",
                        "returns_counted": [],
                        "late_returns": [],
                    },
                    {
                        "participant_id": "m2",
                        "sales": "0.00",
                        "result": {"sales": "0.00", "returns": "0.00"},
                        "sales_counted": [],
                        "late_sales": [],
                        "returns": "0.00",
                        "returns_counted": [],
                        "late_returns": [],
                    },
                ],
            }
        },
    )
    sale = {
        "order_id": "o1",
        "producer_id": "m1",
        "group_id": "g1",
        "producer_part": "255.00",
        "completed_on": DAY.isoformat(),
    }
    return sim, g, view, {"e1": sale}


def failed(checks: list[Any]) -> dict[str, list[str]]:
    return {c.name: c.failures for c in checks if not c.ok}


def test_a_consistent_market_passes_every_check() -> None:
    sim, g, view, sales = market()
    checks = check_market(sim, [view], sales)
    assert failed(checks) == {} and all(c.checked > 0 for c in checks)
    assert expected_sales(g, PERIOD) == {"m1": Decimal("255.00")}


def test_negative_or_miscounted_stock_fails() -> None:
    sim, _, view, sales = market()
    view.products["p1"]["stock"] = {"available": 31, "reserved": -1, "sold": 3}
    assert "stock never negative" in failed(check_market(sim, [view], sales))
    view.products["p1"]["stock"] = {"available": 26, "reserved": 0, "sold": 4}  # sold > paid
    assert "stock never negative" in failed(check_market(sim, [view], sales))


def test_an_order_left_unpaid_that_never_expired_fails() -> None:
    sim, _, view, sales = market()
    view.orders["o2"] = "reserved"
    assert "every order ended as its buyer left it" in failed(check_market(sim, [view], sales))


def test_a_sale_announced_twice_or_not_counted_fails() -> None:
    name = "every completed sale counted once in its producer's period results"
    sim, _, view, sales = market()
    twice = sales | {"e2": dict(sales["e1"])}
    assert name in failed(check_market(sim, [view], twice))
    sim, _, view, sales = market()
    view.periods[PERIOD]["members"][0]["result"] = {"sales": "0.00"}  # closed without it
    assert name in failed(check_market(sim, [view], sales))
    sim, _, view, sales = market()
    view.periods[PERIOD]["members"][0]["late_sales"] = [{"order_id": "o1"}]
    assert name in failed(check_market(sim, [view], sales))


def test_a_line_split_by_other_terms_than_its_channels_fails() -> None:
    name = "each line split by its channel's terms"
    sim, _, view, sales = market()
    assert check_splits(sim, [view]).ok
    line = view.bodies["o1"]["lines"][0]
    line["split"] = split("300.00", "36.00", "15.00", "249.00")  # 12 %, not the channel's 10 %
    assert name in failed(check_market(sim, [view], sales))
    sim, _, view, sales = market()
    view.bodies["o1"]["lines"][0]["split"] = split("300.00", "30.00", "15.00", "255.01")
    assert not check_splits(sim, [view]).ok  # the parts do not sum to the total
    sim, _, view, sales = market()
    view.bodies["o1"]["lines"][0]["channel_id"] = "a1"
    assert not check_splits(sim, [view]).ok


def dollar_market() -> tuple[Any, Group, MarketView, dict[str, dict[str, Any]]]:
    """The market above and a dollar order through an association abroad: 10.00 USD paid at
    the day's 18.0000, 180.00 MXN, the producer's part 149.40 counted in pesos."""
    sim, g, view, sales = market()
    usd = OrderTrack(
        "o3", "club", [("p1", 1)], Decimal("10.00"), DAY, "paid", channel="a1", currency="USD"
    )
    usd.producer_parts, usd.total_mxn = {"m1": Decimal("149.40")}, Decimal("180.00")
    g.orders.append(usd)
    g.products[0].sold, view.products["p1"]["stock"] = (
        4,
        {"available": 26, "reserved": 0, "sold": 4},
    )
    line = {
        "number": 1,
        "channel_id": "a1",
        "fee_rate": "0.05",
        "split": split("10.00", "0.50", "1.20", "8.30"),
        "split_mxn": split("180.00", "9.00", "21.60", "149.40"),
    }
    view.bodies["o3"] = {
        "id": "o3",
        "channel": "a1",
        "total": "10.00",
        "total_mxn": "180.00",
        "exchange_rate": "18.0000",
        "lines": [line],
    }
    view.orders["o3"] = "completed"
    member = view.periods[PERIOD]["members"][0]
    member["sales"] = member["result"]["sales"] = "404.40"
    member["sales_counted"].append({"order_id": "o3"})
    sales["e3"] = sales["e1"] | {
        "order_id": "o3",
        "producer_part": "8.30",
        "producer_part_mxn": "149.40",
    }
    return sim, g, view, sales


def test_a_dollar_sale_counts_in_pesos_at_the_days_rate() -> None:
    sim, _, view, sales = dollar_market()
    assert failed(check_market(sim, [view], sales)) == {}
    sim.rates[DAY] = Decimal("18.1000")  # converted at another rate than the one recorded
    assert "each line split by its channel's terms" in failed(check_market(sim, [view], sales))
    sim, _, view, sales = dollar_market()
    view.bodies["o3"]["lines"][0]["split_mxn"]["total"] = "179.99"
    assert not check_splits(sim, [view]).ok
    sim, _, view, sales = dollar_market()
    del sales["e3"]["producer_part_mxn"]  # counted in dollars: 8.30 is not the pesos' 149.40
    name = "every completed sale counted once in its producer's period results"
    assert name in failed(check_market(sim, [view], sales))


def returned(view: MarketView) -> dict[str, dict[str, Any]]:
    """One unit of o1 returned and accepted after the sale: 85.00 taken from m1."""
    g = view.group
    g.returns = [ReturnTrack("r1", "o1", "p1", "m1", 1, Decimal("85.00"), DAY)]
    member = view.periods[PERIOD]["members"][0]
    member["returns"] = "85.00"
    member["result"]["returns"] = "85.00"
    member["returns_counted"] = [{"return_id": "r1"}]
    event = {
        "return_id": "r1",
        "order_id": "o1",
        "producer_id": "m1",
        "group_id": "g1",
        "producer_part": "85.00",
        "returned_on": DAY.isoformat(),
    }
    return {"x1": event}


def test_a_return_announced_twice_or_not_taken_fails() -> None:
    name = "every accepted return taken once from its producer's period"
    _, g, view, _ = market()
    events = returned(view)
    assert check_returns([view], events).ok
    assert expected_returns(g, PERIOD) == {"m1": Decimal("85.00")}
    assert not check_returns([view], events | {"x2": dict(events["x1"])}).ok
    assert not check_returns([view], {}).ok
    _, _, view, _ = market()
    events = returned(view)
    view.periods[PERIOD]["members"][0]["result"]["returns"] = "0.00"  # closed without it
    assert not check_returns([view], events).ok
    _, _, view, _ = market()
    events = returned(view)
    view.periods[PERIOD]["members"][0]["late_returns"] = [{"return_id": "r1"}]
    failures = check_returns([view], events)
    assert failures.name == name and not failures.ok


def test_round_shares_must_sum_to_the_total() -> None:
    sim, g, _, _ = market()
    closes = datetime(2044, 3, 25, 12, tzinfo=UTC)
    g.rounds = [RoundTrack("r1", DAY, closes, status="allocated", total=Decimal("10.00"))]
    g.rounds[0].shares = [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]
    assert check_rounds(sim).ok
    g.rounds[0].shares[2] = Decimal("3.33")
    assert not check_rounds(sim).ok


def test_the_cheapest_quote_is_priced_at_the_tier_the_quantity_reaches() -> None:
    quote = {
        "tiers": [
            {"min_quantity": 1, "unit_price": "10.0000"},
            {"min_quantity": 50, "unit_price": "9.0001"},
        ],
        "delivery_charge": "12.50",
    }
    assert cost(quote, 49) == Decimal("502.50")
    assert cost(quote, 50) == Decimal("462.50")  # 450.005 -> 450.00 (half-even) + 12.50


def test_each_groups_share_of_the_checks_merges_into_one_and_the_run_wide_ones_follow() -> None:
    """The run judges each group's market as it reads it (`fold_market`) and keeps only the
    judgements: merged, they say what the checks over every view at once would say."""
    sim, g, view, sales = market()
    _, other, other_view, _ = market()
    other.group_id = "g2"
    other_view.products["p1"]["stock"] = {"available": 31, "reserved": -1, "sold": 3}
    sim.groups = [g, other]
    returns = returned(view)
    index = MarketIndex.of(sales, returns, {})
    shares = [fold_market(sim, view, index), fold_market(sim, other_view, index)]
    merged = merge_checks(shares)
    market_across(sim, index, merged)
    assert merged[STOCK].checked == sum(s[STOCK].checked for s in shares) > 0
    stock = merged[STOCK].failures  # the second group's three, none of the first's
    assert len(stock) == 3 and all(f.startswith("p1: ") for f in stock)
    assert "negative stock" in stock[0] and fold_market(sim, view, index)[STOCK].ok
    assert merged[RETURNS].ok and merged[RETURNS].checked > 0
    # a return announced that no group made is caught across the groups, not in a share
    stray = returns | {"x9": returns["x1"] | {"return_id": "r9", "group_id": "g9"}}
    index = MarketIndex.of(sales, stray, {})
    merged = merge_checks([fold_market(sim, view, index)])
    assert merged[RETURNS].ok
    market_across(sim, index, merged)
    assert merged[RETURNS].failures == ["returns nobody asked for: {'r9'}"]


def test_a_merged_check_keeps_twenty_failures_and_says_there_were_more() -> None:
    from megp_simulation.invariants import Check

    parts = []
    for n in range(3):
        part = Check("c", "how")
        for i in range(15):
            part.expect(False, f"group {n} failure {i}")
        parts.append(part)
    merged = Check("c", "how")
    for part in parts:
        merged.absorb(part)
    assert merged.checked == 45
    assert (
        merged.failures[:20] == [f"group {n} failure {i}" for n in range(2) for i in range(15)][:20]
    )
    assert merged.failures[20:] and set(merged.failures[20:]) == {"..."}


class ViewApi:
    """Answers the reads `judge_market` makes from a view (an order, the products, a period)."""

    def __init__(self, view: MarketView) -> None:
        self.view, self.paths = view, []

    def call(self, service: str, method: str, path: str, *roles: str, **kw: Any) -> Any:
        self.paths.append(path)
        if path.startswith("/orders/"):
            order_id = path.rsplit("/", 1)[-1]
            return self.view.bodies[order_id] | {"status": self.view.orders[order_id]}
        if path == "/products":
            return list(self.view.products.values())
        return self.view.periods[date.fromisoformat(path.rsplit("/", 1)[-1])]


def test_judging_as_read_says_what_the_view_kept_whole_says() -> None:
    """The run judges each order and period as it reads it (`judge_market`) and keeps none:
    the judgements are those `fold_market` makes over the same reads kept in a view, passing
    or failing alike."""
    from megp_simulation.market_checks import judge_market

    for spoil in (None, "sold", "split", "period"):
        sim, g, view, sales = market()
        returns = returned(view)
        if spoil == "sold":
            view.products["p1"]["stock"]["sold"] = 2
        elif spoil == "split":
            view.bodies["o1"]["lines"][0]["split"]["channel_fee"] = "31.00"
        elif spoil == "period":
            view.periods[PERIOD]["members"][0]["result"]["sales"] = "250.00"
        index = MarketIndex.of(sales, returns, {})
        api = ViewApi(view)
        sim.api, sim.eventually = api, lambda what, probe: probe()
        judged, kept = judge_market(sim, g, index), fold_market(sim, view, index)
        assert {n: (c.checked, sorted(c.failures)) for n, c in judged.items()} == {
            n: (c.checked, sorted(c.failures)) for n, c in kept.items()
        }
        assert all(c.ok for c in judged.values()) == (spoil is None)
        assert api.paths == [
            "/orders/o1",
            "/orders/o2",
            "/products",
            "/groups/g1/periods/2044-03-01",
        ]

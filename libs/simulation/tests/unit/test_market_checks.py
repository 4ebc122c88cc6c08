"""The marketplace's checks find what they look for: a counter below zero, a sold count that is
not the paid units, a sale announced twice or missing from its producer's period, shares that
do not sum to a round's total; and a consistent market passes them. The quote the driver
chooses is the one that costs least at the tier the pooled quantity reaches."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from megp_simulation.invariants import MarketView, check_market, check_rounds
from megp_simulation.market import cost, expected_sales
from megp_simulation.model import Group, OrderTrack, ProductTrack, RoundTrack

DAY = date(2044, 3, 15)
PERIOD = date(2044, 3, 1)


def market() -> tuple[Any, Group, MarketView, dict[str, dict[str, Any]]]:
    g = Group(index=0, state="09", rng=random.Random(1), group_id="g1")
    g.products = [ProductTrack("p1", "m1", Decimal("100.00"), listed=10, restocked=20)]
    paid = OrderTrack("o1", "b", [("p1", 3)], Decimal("300.00"), DAY, "paid")
    paid.producer_parts = {"m1": Decimal("255.00")}
    g.orders = [paid, OrderTrack("o2", "b", [("p1", 2)], Decimal("200.00"), DAY, "left")]
    g.products[0].sold = 3
    sim = SimpleNamespace(end_day=date(2044, 4, 15), groups=[g])
    view = MarketView(
        g,
        {"p1": {"id": "p1", "stock": {"available": 27, "reserved": 0, "sold": 3}}},
        {"o1": "completed", "o2": "expired"},
        {
            PERIOD: {
                "closed_at": "2044-04-01T12:00:00Z",
                "unplanned_sales": [],
                "members": [
                    {
                        "participant_id": "m1",
                        "sales": "255.00",
                        "result": {"sales": "255.00"},
                        "sales_counted": [{"order_id": "o1"}],
                        "late_sales": [],
                    },
                    {
                        "participant_id": "m2",
                        "sales": "0.00",
                        "result": {"sales": "0.00"},
                        "sales_counted": [],
                        "late_sales": [],
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

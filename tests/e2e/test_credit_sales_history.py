"""A member's sales appear in credit's sales history, through the real broker: the ODF lists the
member's product in trade, a buyer orders and pays, the ODF ships it, trade announces
`SaleCompleted`, and credit (which never calls trade) shows the sale by month beside the member's
repayment record; a second copy of the event, even under another event id, counts nothing, and
a reader of another state sees none of it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from megp_common.auth import Role
from megp_common.bus import KafkaBus, OutgoingRecord
from megp_common.contracts import trade as trd
from megp_common.events import make_event
from megp_common.launcher import Platform
from megp_common.testing.events import EventTap, distinct

from .test_trade_orders import STATE, Trade, buy, formed_group, list_product, uid
from .test_trade_rounds import credit_call, with_credit_line

pytestmark = pytest.mark.e2e


@pytest.fixture
def trade(platform: Platform, tokens: Any) -> Trade:
    return Trade(platform, tokens)


def history(platform: Platform, tokens: Any, participant: str, **claims: Any) -> Any:
    return credit_call(
        platform,
        tokens,
        "GET",
        f"/participants/{participant}/sales-history",
        Role.ODF_STAFF,
        claims=claims,
    )


def until_count(platform: Platform, tokens: Any, participant: str, count: int) -> Any:
    deadline = time.monotonic() + 30
    while True:
        found = history(platform, tokens, participant)
        if found["count"] >= count:
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.3)


async def test_a_members_sale_reaches_credits_sales_history(
    trade: Trade, infra: Any, platform: Platform, tokens: Any
) -> None:
    g = await formed_group(infra, trade)
    await with_credit_line(infra, g)
    weaver = g["weaver"]
    assert history(platform, tokens, weaver)["count"] == 0
    async with EventTap(infra.kafka, "trade.events") as tap:
        rug = list_product(trade, g, price_mxn="850.00", stock=5)
        order = buy(trade, "buyer-sh", (rug["id"], 2))
        trade.call(
            "POST",
            f"/orders/{order['id']}/payment",
            Role.PARTICIPANT,
            json={"amount": "1700.00"},
            claims={"subject": "buyer-sh"},
        )
        trade.call(
            "POST",
            f"/orders/{order['id']}/lines/1/fulfilment",
            Role.ODF_STAFF,
            claims={"subject": "staff"},
        )
        copies = await tap.collect(
            lambda e: e.type == "trade.SaleCompleted" and e.data["order_id"] == order["id"],
            expect=1,
        )
    [sold] = distinct(copies)
    month = sold.data["completed_on"][:7]

    found = until_count(platform, tokens, weaver, 1)
    assert found["count"] == 1
    assert found["totals"] == [
        {
            "month": None,
            "currency": "MXN",
            "count": 1,
            "amount": "1700.00",
            "producer_part": "1445.00",
        }
    ]
    assert found["months"] == [
        {
            "month": month,
            "currency": "MXN",
            "count": 1,
            "amount": "1700.00",
            "producer_part": "1445.00",
        }
    ]

    # the same sale announced again (another event id), then a marker sale of another order
    # on the same key (so the same partition, consumed after it): once the marker counts, the
    # copy was consumed, and it counted nothing
    again = trd.SaleCompleted.model_validate(sold.data)
    marker = again.model_copy(
        update={
            "order_id": uid("marker-order"),
            "amount": Decimal("10.00"),
            "producer_part": Decimal("8.50"),
            "channel_fee": Decimal("1.00"),
            "logistics": Decimal("0.50"),
        }
    )
    bus = KafkaBus(infra.kafka, service="e2e-test")
    await bus.start()
    try:
        await bus.publish_many(
            [
                OutgoingRecord(
                    "trade.events",
                    g["group"],
                    make_event(
                        p, source="/megp/e2e", key=g["group"], time=datetime.now(UTC), state=STATE
                    ).to_json(),
                    p.event_type,
                )
                for p in (again, marker)
            ]
        )
    finally:
        await bus.stop()
    counted = until_count(platform, tokens, weaver, 2)
    assert counted["count"] == 2, counted
    assert counted["totals"][0]["amount"] == "1710.00"
    assert counted["totals"][0]["producer_part"] == "1453.50"

    # the member's loan application shows beside it (the repayment record)
    loan = credit_call(
        platform,
        tokens,
        "POST",
        "/loans",
        Role.PARTICIPANT,
        expect=201,
        json={
            "group_id": g["group"],
            "borrower_kind": "participant",
            "borrower_id": weaver,
            "amount": "1000.00",
            "purpose": "more wool",
            "term_months": 4,
        },
        claims={"participant_id": weaver, "subject": weaver},
    )
    record = history(platform, tokens, weaver)
    assert record["count"] == 2 and record["totals"][0]["amount"] == "1710.00"
    [entry] = record["repayment_record"]
    assert (entry["loan_id"], entry["status"], entry["amount"]) == (
        loan["id"],
        "applied",
        "1000.00",
    )
    assert entry["instalments"] == 0 and entry["days_past_due"] == 0

    # a reader of another state sees neither the sales nor the loans
    outside = history(platform, tokens, weaver, states=("09",))
    assert outside == {"count": 0, "totals": [], "months": [], "repayment_record": []}
    # nobody else's sales in the member's history
    assert history(platform, tokens, g["potter"])["count"] == 0

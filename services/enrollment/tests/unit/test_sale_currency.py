"""Which peso amount a completed sale counts: its producer part in pesos, the converted part of
a sale in dollars, and no guess for a foreign sale that does not say its peso amount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from enrollment.service_layer.event_handlers import counted_part
from megp_common.consumer import PermanentError
from megp_common.contracts import trade


def sale(**over: Any) -> trade.SaleCompleted:
    fields: dict[str, Any] = {
        "order_id": "o1",
        "producer_id": "ana",
        "group_id": "g1",
        "odf_id": "odf",
        "state_code": "20",
        "channel": "marketplace",
        "amount": Decimal("100.00"),
        "producer_part": Decimal("85.00"),
        "channel_fee": Decimal("10.00"),
        "logistics": Decimal("5.00"),
        "completed_on": date(2027, 3, 2),
    }
    return trade.SaleCompleted(**(fields | over))


def test_a_peso_sale_counts_its_producer_part() -> None:
    assert counted_part(sale()) == Decimal("85.00")
    assert counted_part(sale(producer_part_mxn=Decimal("85.00"))) == Decimal("85.00")


def test_a_dollar_sale_counts_its_converted_part() -> None:
    usd = sale(
        currency="USD",
        amount=Decimal("49.00"),
        producer_part=Decimal("41.65"),
        amount_mxn=Decimal("845.40"),
        producer_part_mxn=Decimal("718.59"),
        exchange_rate=Decimal("17.253"),
        rate_date=date(2027, 3, 1),
    )
    assert counted_part(usd) == Decimal("718.59")


def test_a_dollar_sale_without_a_peso_amount_is_refused() -> None:
    with pytest.raises(PermanentError, match="USD"):
        counted_part(sale(currency="USD"))


def test_a_dollar_return_takes_back_its_peso_part() -> None:
    back = trade.SaleReturned(
        order_id="o1",
        return_id="r1",
        producer_id="ana",
        group_id="g1",
        odf_id="odf",
        state_code="20",
        channel="abroad",
        amount=Decimal("24.50"),
        producer_part=Decimal("20.83"),
        channel_fee=Decimal("2.45"),
        logistics=Decimal("1.22"),
        currency="USD",
        returned_on=date(2027, 3, 9),
        amount_mxn=Decimal("422.70"),
        producer_part_mxn=Decimal("359.30"),
    )
    assert counted_part(back) == Decimal("359.30")
    with pytest.raises(PermanentError, match="USD"):
        counted_part(back.model_copy(update={"producer_part_mxn": None}))

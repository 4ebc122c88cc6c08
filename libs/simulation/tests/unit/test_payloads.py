"""The shared request bodies agree with what the enrollment service accepts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from enrollment.domain.membership import Undertaking
from enrollment.entrypoints.api.schemas.groups import MemberJoin
from megp_common.contracts.enrollment import UNDERTAKINGS
from megp_common.testing import payloads


def test_the_contract_lists_the_domains_six_undertakings_in_order() -> None:
    assert tuple(u.value for u in Undertaking) == UNDERTAKINGS


def test_a_membership_is_read_by_the_services_schema_with_all_six_undertakings() -> None:
    on, today = date(2040, 1, 20), date(2040, 1, 25)
    signed = MemberJoin.model_validate(payloads.membership("p1", "sell together", on))
    assert signed.letter(today) == dict.fromkeys(Undertaking, on)
    undated = MemberJoin.model_validate(payloads.membership("p1", "sell together"))
    assert undated.letter(today) == dict.fromkeys(Undertaking, today)


def test_money_travels_as_its_decimal_string() -> None:
    body = payloads.contribution(
        "Club",
        "immigrant_association",
        Decimal("125"),
        currency="USD",
        exchange_rate=Decimal("18.5230"),
    )
    assert body == {
        "donor": "Club",
        "source": "immigrant_association",
        "amount": "125",
        "currency": "USD",
        "exchange_rate": "18.5230",
    }
    assert payloads.deposit_sheet([("p1", Decimal("10.50"))]) == {
        "deposits": [{"participant_id": "p1", "amount": "10.50"}]
    }

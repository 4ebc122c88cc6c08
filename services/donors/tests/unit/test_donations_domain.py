"""A donation's terms, its conversion at the recorded rate, and its refund."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from donors.domain.association import Association
from donors.domain.donation import (
    Donation,
    DonationKind,
    RefundStatus,
    ReturnMethod,
    Terms,
    donation_id_for,
)
from donors.domain.errors import DonorRuleViolation, WrongState
from donors.domain.rates import to_pesos
from megp_common.refusals import DomainRefusal

NOW = datetime(2030, 3, 1, 12, tzinfo=UTC)


def terms(**changes: object) -> Terms:
    base: dict[str, object] = {
        "group_id": "g1",
        "kind": DonationKind.GRANT,
        "amount": Decimal("100.00"),
        "currency": "USD",
    }
    return Terms(**(base | changes))


def make(t: Terms, rate: Decimal | None = Decimal("17.2530")) -> Donation:
    return Donation.make(
        association_id="a1",
        association_name="Club Zacatecano de Chicago",
        portal_donation_id="p1",
        terms=t,
        state="32",
        municipality="Jerez",
        group_name="Tejedoras",
        trust_bank="Banorte",
        rate=rate,
        rate_date=NOW.date(),
        now=NOW,
    )


def test_a_dollar_donation_keeps_both_amounts_and_its_rate() -> None:
    d = make(terms())
    assert d.amount_mxn == Decimal("1725.30") and d.terms.amount == Decimal("100.00")
    assert d.exchange_rate == Decimal("17.2530") and d.rate_date == NOW.date()
    (event,) = [r.payload for r in d.pending_events()]
    assert event.amount_mxn == Decimal("1725.30") and event.currency == "USD"  # type: ignore[attr-defined]
    assert d.id == donation_id_for("a1", "p1") != donation_id_for("a2", "p1")


def test_a_peso_donation_needs_no_rate() -> None:
    d = make(terms(currency="MXN", amount=Decimal("500.00")), rate=None)
    assert d.amount_mxn == Decimal("500.00") and d.exchange_rate == 1 and d.rate_date is None


@pytest.mark.parametrize(
    ("changes", "rate", "slug"),
    [
        ({"currency": "EUR"}, Decimal("20"), "unknown-currency"),
        ({}, None, "no-exchange-rate"),
        ({"amount": Decimal("0")}, Decimal("17"), None),
        ({"amount": Decimal("-5")}, Decimal("17"), None),
        ({"kind": DonationKind.TEMPORARY}, Decimal("17"), None),
        (
            {
                "kind": DonationKind.TEMPORARY,
                "return_due_on": NOW.date(),
                "return_method": ReturnMethod.CHEQUE,
            },
            Decimal("17"),
            None,
        ),
        ({"return_due_on": date(2031, 1, 1)}, Decimal("17"), None),
    ],
)
def test_what_a_donation_must_say(
    changes: dict[str, object], rate: Decimal | None, slug: str | None
) -> None:
    with pytest.raises(DonorRuleViolation) as refused:
        make(terms(**changes), rate=rate)
    assert refused.value.status == 422
    if slug:
        assert slug in refused.value.to_problem()["type"]


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2),
    st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("100000"), places=6),
)
def test_conversion_is_half_even_to_the_centavo(amount: Decimal, rate: Decimal) -> None:
    pesos = to_pesos(amount, "USD", rate)
    exact = amount * rate
    assert abs(pesos - exact) <= Decimal("0.005")
    assert pesos == exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_EVEN")


def booked() -> Donation:
    d = make(terms())
    d.clear_pending()
    d.booked("e1", Decimal("862.65"), Decimal("862.65"), NOW)
    return d


def test_a_refund_is_recorded_beside_the_donation_once_and_never_more_than_given() -> None:
    d = make(terms())
    with pytest.raises(WrongState):  # not booked yet
        d.request_refund("r1", Decimal("1"), "oops", False, NOW)
    d = booked()
    with pytest.raises(DonorRuleViolation, match="more than was given"):
        d.request_refund("r1", Decimal("100.01"), "too much", False, NOW)
    refund = d.request_refund("r1", Decimal("40.00"), "chargeback", True, NOW)
    assert refund.amount_mxn == Decimal("690.12") and not refund.whole
    assert d.amount_mxn == Decimal("1725.30")  # never edited
    assert [type(r.payload).__name__ for r in d.pending_events()] == ["DonationRefunded"]
    with pytest.raises(WrongState):
        d.request_refund("r2", Decimal("1.00"), "again", False, NOW)
    d.refund_booked("r1", "e2", NOW)
    assert d.refund is not None and d.refund.status is RefundStatus.BOOKED
    assert d.net_mxn == Decimal("1035.18")


def test_a_temporary_contribution_is_refunded_whole_only() -> None:
    t = terms(
        kind=DonationKind.TEMPORARY,
        return_due_on=date(2031, 1, 1),
        return_method=ReturnMethod.BANK_TRANSFER,
    )
    d = make(t)
    d.booked("e1", Decimal("862.65"), Decimal("862.65"), NOW)
    with pytest.raises(DonorRuleViolation, match="whole"):
        d.request_refund("r1", Decimal("10.00"), "part", False, NOW)
    assert d.request_refund("r1", Decimal("100.00"), "all", False, NOW).amount_mxn == d.amount_mxn


def test_an_association_supports_its_municipality_of_origin_whatever_the_accents() -> None:
    a = Association.register(
        association_id="a1",
        name="Club Michoacano",
        country="US",
        city="Los Angeles",
        origin_state="16",
        origin_municipality="Tzintzuntzan ",
        by="sup",
        now=NOW,
    )
    assert a.supports("16", "tzintzuntzán") and not a.supports("16", "Morelia")
    assert not a.supports("09", "Tzintzuntzan")
    every = a.model_copy(update={"origin_municipality": None})
    assert every.supports("16", "Morelia")
    assert isinstance(DonorRuleViolation("x"), DomainRefusal)

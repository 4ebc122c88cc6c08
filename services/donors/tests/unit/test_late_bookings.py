"""Which report a donation is in, and its figures as they stood at a period's end: a booking
after its month is a late booking of the next report; a refund or a payment after the period
leaves the period's figures as they were."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from donors.domain.association import Association
from donors.domain.donation import Donation, DonationKind, Terms
from donors.domain.errors import DonorRuleViolation
from donors.domain.impact import as_of, month_after, period_bounds, report_month

MADE = datetime(2031, 4, 30, 20, tzinfo=UTC)


def donation() -> Donation:
    return Donation.make(
        association_id="a1",
        association_name="Club Poblano de Nueva York",
        portal_donation_id="p1",
        terms=Terms(group_id="g1", kind=DonationKind.GRANT, amount=Decimal("300"), currency="MXN"),
        state="21",
        municipality=None,
        group_name="Tejedoras",
        trust_bank="Banorte",
        rate=None,
        rate_date=None,
        now=MADE,
    )


def test_a_donation_is_in_the_report_of_the_month_it_was_booked() -> None:
    on_time = donation()
    on_time.booked("e1", Decimal(150), Decimal(150), MADE + timedelta(hours=1), "2031-04")
    assert (on_time.report_period, on_time.made_in) == ("2031-04", "2031-04")
    assert report_month(MADE + timedelta(hours=1), "2031-03") == "2031-04"
    # booked on the next month's first morning: the next month's report, a late booking
    assert report_month(datetime(2031, 5, 1, 9, tzinfo=UTC), "2031-03") == "2031-05"
    # April's report was announced before donors heard of a booking dated in April: May's
    assert report_month(MADE + timedelta(hours=3), "2031-04") == "2031-05"
    # the shared clock went back past months already announced: the first month not announced
    assert report_month(datetime(2031, 1, 5, tzinfo=UTC), "2031-12") == "2032-01"
    assert report_month(datetime(2031, 1, 5, tzinfo=UTC), None) == "2031-01"


@given(st.dates(date(2000, 1, 1), date(2098, 12, 1)), st.integers(0, 60))
def test_a_booking_is_never_reported_in_a_month_announced_nor_before_its_own(
    day: date, announced_back: int
) -> None:
    booked = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    through = date.fromordinal(day.toordinal() - announced_back)
    reported_through = f"{through.year:04d}-{through.month:02d}"
    month = report_month(booked, reported_through)
    assert month > reported_through
    assert month >= f"{day.year:04d}-{day.month:02d}"
    assert month in (f"{day.year:04d}-{day.month:02d}", month_after(reported_through))


def test_a_donations_figures_stand_as_at_the_end_of_a_period() -> None:
    d = donation()
    d.booked("e1", Decimal(150), Decimal(150), MADE, "2031-04")
    d.request_refund("r1", Decimal(100), "duplicate", False, MADE + timedelta(days=3))
    d.refund_booked("r1", "e2", MADE + timedelta(days=3))
    april, may = as_of(period_bounds("2031-04")[1]), as_of(period_bounds("2031-05")[1])
    assert april == datetime(2031, 5, 1, tzinfo=UTC)
    assert d.net_mxn_at(april) == Decimal(300)  # the refund came in May
    assert d.net_mxn_at(may) == d.net_mxn == Decimal(200)
    assert as_of(period_bounds("2031")[1]) == datetime(2032, 1, 1, tzinfo=UTC)


def test_an_association_abroad_is_not_in_mexico() -> None:
    with pytest.raises(DonorRuleViolation):
        Association.register(
            association_id="a1",
            name="Club",
            country="MX",
            city="Puebla",
            origin_state="21",
            origin_municipality=None,
            by="sup",
            now=MADE,
        )

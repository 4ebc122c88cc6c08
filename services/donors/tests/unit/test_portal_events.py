"""What a portal's webhooks are made of (issue 16): a donation booked and receipted is announced
once, with its split and receipt number; a refund's settlement once, booked or refused; a
month's report once after the month ends (and the year's after December), never for a month
the association was registered after, nor again when the shared clock goes back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from donors.domain.association import Association
from donors.domain.donation import Donation, DonationKind, Receipt, Terms
from megp_common.contracts import donors as ev

NOW = datetime(2030, 3, 1, 12, tzinfo=UTC)
REGISTERED = datetime(2030, 3, 10, 12, tzinfo=UTC)


def booked() -> Donation:
    """A dollar donation funds booked (not receipted yet), its own events cleared."""
    d = Donation.make(
        association_id="a1",
        association_name="Club Zacatecano de Chicago",
        portal_donation_id="p1",
        terms=Terms(
            group_id="g1", kind=DonationKind.GRANT, amount=Decimal("100.00"), currency="USD"
        ),
        state="32",
        municipality="Jerez",
        group_name="Tejedoras",
        trust_bank="Banorte",
        rate=Decimal("17.2530"),
        rate_date=NOW.date(),
        now=NOW,
    )
    d.booked("e1", Decimal("862.65"), Decimal("862.65"), NOW)
    d.clear_pending()
    return d


def club() -> Association:
    a = Association.register(
        association_id="a1",
        name="Club Zacatecano de Chicago",
        country="US",
        city="Chicago",
        origin_state="32",
        origin_municipality=None,
        by="sup",
        now=REGISTERED,
    )
    a.clear_pending()
    return a


def test_a_booked_donation_is_announced_once_with_its_receipt() -> None:
    d = booked()
    receipt = Receipt(number="2030-000007", year=2030, seq=7, issued_at=NOW)
    d.receipted(receipt)
    d.receipted(receipt.model_copy(update={"number": "2030-000008", "seq": 8}))
    (event,) = [r.payload for r in d.pending_events()]
    assert isinstance(event, ev.DonationBooked)
    assert (event.receipt_number, event.entry_id, event.association_id) == (
        "2030-000007",
        "e1",
        "a1",
    )
    assert (event.amount_mxn, event.development, event.competition) == (
        Decimal("1725.30"),
        Decimal("862.65"),
        Decimal("862.65"),
    )
    assert d.receipt is not None and d.receipt.number == "2030-000007"  # never renumbered


def test_a_refund_settled_is_announced_once_whether_booked_or_refused() -> None:
    for settle, status in (
        (lambda d: d.refund_booked("r1", "e2", NOW), "booked"),
        (lambda d: d.refund_refused("r1", "the sub-funds no longer hold it", NOW), "refused"),
    ):
        d = booked()
        d.request_refund("r1", Decimal("40.00"), "chargeback", True, NOW)
        d.clear_pending()
        settle(d)
        d.refund_booked("r1", "e3", NOW)  # a second answer changes nothing
        d.refund_refused("r1", "late", NOW)
        (event,) = [r.payload for r in d.pending_events()]
        assert isinstance(event, ev.RefundSettled) and event.status == status
        assert event.amount_mxn == Decimal("690.12") and event.donation_id == d.id
        assert (event.entry_id is not None) == (status == "booked")


def test_a_months_report_is_announced_once_after_it_ends() -> None:
    a = club()
    assert a.reports_ready(datetime(2030, 3, 31, 23, tzinfo=UTC)) == []  # March goes on
    assert a.reports_ready(datetime(2030, 4, 1, 0, tzinfo=UTC)) == ["2030-03"]
    assert a.reports_ready(datetime(2030, 4, 20, tzinfo=UTC)) == []  # once
    assert a.reports_ready(datetime(2030, 2, 1, tzinfo=UTC)) == []  # before it was registered
    assert a.reports_ready(datetime(2030, 12, 1, tzinfo=UTC)) != []
    assert a.reports_ready(datetime(2031, 1, 1, tzinfo=UTC)) == ["2030-12", "2030"]
    assert a.reports_ready(datetime(2030, 6, 1, tzinfo=UTC)) == []  # the clock went back
    periods = [r.payload for r in a.pending_events()]
    assert all(isinstance(p, ev.ReportReady) for p in periods)
    urls = [p.url for p in periods]  # type: ignore[attr-defined]
    assert urls[0] == "/v1/associations/a1/reports/2030-03"
    assert urls[-2:] == ["/v1/associations/a1/reports/2030-12", "/v1/associations/a1/reports/2030"]


def test_months_skipped_by_a_jump_of_the_clock_are_each_announced_once() -> None:
    a = club()
    assert a.reports_ready(datetime(2030, 4, 1, tzinfo=UTC)) == ["2030-03"]
    # the shared clock jumps from April to the middle of February next year
    jumped = datetime(2031, 2, 15, tzinfo=UTC)
    expected = [f"2030-{m:02d}" for m in range(4, 13)] + ["2030", "2031-01"]
    assert a.reports_ready(jumped) == expected
    assert a.reports_ready(jumped) == []  # idempotent
    assert a.reports_ready(datetime(2031, 2, 28, tzinfo=UTC)) == []
    assert a.reported_through == "2031-01"
    periods = [r.payload.period for r in a.pending_events()]  # type: ignore[attr-defined]
    assert periods == ["2030-03", *expected]  # each once, oldest first
    # first seen after a jump: from the month it was registered in, not before
    late = club()
    assert late.reports_ready(datetime(2030, 6, 3, tzinfo=UTC)) == ["2030-03", "2030-04", "2030-05"]

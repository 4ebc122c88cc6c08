"""Licences and royalties, pure: the licence's terms, the royalty basis and its bounds, the
reports (one per calendar period, ended, within the term), the payments (whole or partial,
never more than due) and the split among the inventors, exact to the centavo."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ip_counsel.domain.errors import InvalidTransition, IpRuleViolation
from ip_counsel.domain.inventors import CoInventor
from ip_counsel.domain.licence import (
    Basis,
    Kind,
    Licence,
    Licensee,
    ReportingPeriod,
    Royalty,
    split,
)
from megp_common.contracts import ip_counsel as ev

NOW = datetime(2026, 7, 15, 12, tzinfo=UTC)
ACME = Licensee(name="Equipos Clínicos del Bajío", rfc="ECB010101AB1")


def shares(*pairs: tuple[str, str]) -> list[CoInventor]:
    return [CoInventor(participant_id=p, share=Decimal(s)) for p, s in pairs]


def rate(percent: str, period: ReportingPeriod = ReportingPeriod.QUARTERLY) -> Royalty:
    return Royalty(basis=Basis.RATE, percent=Decimal(percent), period=period)


def grant(
    *,
    kind: Kind = Kind.LICENCE,
    royalty: Royalty | None = None,
    starts: date = date(2026, 1, 1),
    ends: date | None = date(2030, 12, 31),
    licensee: Licensee = ACME,
    inventors: list[CoInventor] | None = None,
    territory: list[str] | None = None,
) -> Licence:
    assignment = kind is Kind.ASSIGNMENT
    return Licence.grant(
        "l1",
        kind=kind,
        disclosure_id="d1",
        group_id="g1",
        state="20",
        sector="medical",
        licensee=licensee,
        exclusive=not assignment,
        territory=[] if assignment else (territory if territory is not None else ["MX"]),
        field_of_use="" if assignment else "veterinary devices",
        starts_on=starts,
        ends_on=None if assignment else ends,
        royalty=royalty if royalty is not None else rate("5"),
        inventors=inventors or shares(("ana", "60"), ("beto", "40")),
        inventor_groups={"ana": "g1", "beto": "g2"},
        recorded_by="ana",
        now=NOW,
    )


def test_a_licence_is_announced_without_content() -> None:
    licence = grant()
    [event] = [e.payload for e in licence.pending_events()]
    assert isinstance(event, ev.LicenceGranted)
    assert (event.licence_id, event.exclusive, event.basis, event.period) == (
        "l1",
        True,
        "rate",
        "quarterly",
    )


def test_an_assignment_has_no_term_territory_or_exclusivity() -> None:
    licence = grant(kind=Kind.ASSIGNMENT)
    assert isinstance(licence.pending_events()[0].payload, ev.InventionAssigned)
    with pytest.raises(IpRuleViolation, match="transfers the invention whole"):
        Licence.grant(
            "l2",
            kind=Kind.ASSIGNMENT,
            disclosure_id="d1",
            group_id="g1",
            state="20",
            sector="medical",
            licensee=ACME,
            exclusive=False,
            territory=[],
            field_of_use="",
            starts_on=date(2026, 1, 1),
            ends_on=date(2027, 1, 1),
            royalty=None,
            inventors=shares(("ana", "100")),
            inventor_groups={},
            recorded_by="ana",
            now=NOW,
        )


@pytest.mark.parametrize("percent", ["0", "50.0001", "51", "150"])
def test_a_rate_out_of_bounds_is_refused(percent: str) -> None:
    with pytest.raises(IpRuleViolation, match="at most 50"):
        grant(royalty=rate(percent))


@pytest.mark.parametrize("percent", ["0.0001", "50"])
def test_the_bounds_themselves_are_taken(percent: str) -> None:
    assert grant(royalty=rate(percent)).royalty == rate(percent)


def test_a_term_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(IpRuleViolation, match="ends on or after"):
        grant(starts=date(2026, 1, 2), ends=date(2026, 1, 1))
    assert grant(starts=date(2026, 1, 1), ends=date(2026, 1, 1)).ends_on == date(2026, 1, 1)


def test_a_licensee_has_an_rfc_or_a_foreign_id() -> None:
    with pytest.raises(IpRuleViolation, match="RFC"):
        grant(licensee=Licensee(name="Nadie"))
    with pytest.raises(IpRuleViolation, match="RFC"):
        grant(licensee=Licensee(name="Dos", rfc="ECB010101AB1", foreign_id="DE-123"))
    assert grant(licensee=Licensee(name="Gmbh", foreign_id="DE-123", country="DE"))


def test_a_licence_names_its_territory() -> None:
    with pytest.raises(IpRuleViolation, match="territory"):
        grant(territory=[])


def test_a_fixed_royalty_has_its_amount_and_no_percent() -> None:
    with pytest.raises(IpRuleViolation, match="fixed"):
        grant(royalty=Royalty(basis=Basis.FIXED, period=ReportingPeriod.MONTHLY))
    with pytest.raises(IpRuleViolation, match="percent"):
        grant(
            royalty=Royalty(
                basis=Basis.RATE, fixed_amount=Decimal(1), period=ReportingPeriod.MONTHLY
            )
        )


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        (ReportingPeriod.MONTHLY, date(2026, 2, 1), date(2026, 2, 28)),
        (ReportingPeriod.QUARTERLY, date(2026, 4, 1), date(2026, 6, 30)),
        (ReportingPeriod.QUARTERLY, date(2025, 10, 1), date(2025, 12, 31)),
        (ReportingPeriod.YEARLY, date(2025, 1, 1), date(2025, 12, 31)),
    ],
)
def test_periods_are_calendar_ones(period: ReportingPeriod, start: date, end: date) -> None:
    assert period.starts(start)
    assert period.end_of(start) == end


def test_a_report_computes_the_royalty_half_even() -> None:
    licence = grant(royalty=rate("3.5"))
    report = licence.record_report(
        "r1", period_start=date(2026, 4, 1), sales=Decimal("1000.50"), recorded_by="ana", now=NOW
    )
    assert report.due == Decimal("35.02")  # 35.0175 -> 35.02
    assert report.period_end == date(2026, 6, 30)
    assert isinstance(licence.pending_events()[-1].payload, ev.RoyaltyReported)


@pytest.mark.parametrize(
    ("start", "why"),
    [
        (date(2026, 5, 1), "first day of a calendar quarter"),
        (date(2026, 7, 1), "once it has ended"),
        (date(2025, 10, 1), "outside the licence's term"),
    ],
)
def test_a_bad_period_is_refused(start: date, why: str) -> None:
    with pytest.raises(IpRuleViolation, match=why):
        grant().record_report(
            "r1", period_start=start, sales=Decimal(100), recorded_by="ana", now=NOW
        )


def test_a_period_is_reported_once() -> None:
    licence = grant()
    licence.record_report(
        "r1", period_start=date(2026, 1, 1), sales=Decimal(100), recorded_by="ana", now=NOW
    )
    with pytest.raises(InvalidTransition, match="reported already"):
        licence.record_report(
            "r2", period_start=date(2026, 1, 1), sales=Decimal(200), recorded_by="ana", now=NOW
        )


def test_a_fixed_royalty_is_due_whatever_was_sold() -> None:
    licence = grant(
        royalty=Royalty(
            basis=Basis.FIXED, fixed_amount=Decimal("2500.00"), period=ReportingPeriod.MONTHLY
        )
    )
    report = licence.record_report(
        "r1", period_start=date(2026, 6, 1), sales=None, recorded_by="ana", now=NOW
    )
    assert report.due == Decimal("2500.00")
    with pytest.raises(IpRuleViolation, match="report none"):
        licence.record_report(
            "r2", period_start=date(2026, 5, 1), sales=Decimal(5), recorded_by="ana", now=NOW
        )


def test_partial_payments_leave_a_balance_and_never_exceed_it() -> None:
    licence = grant(royalty=rate("10"))
    report = licence.record_report(
        "r1", period_start=date(2026, 1, 1), sales=Decimal("10000"), recorded_by="ana", now=NOW
    )
    licence.clear_pending()
    licence.receive(
        report,
        "p1",
        amount=Decimal("600.00"),
        received_on=date(2026, 4, 10),
        recorded_by="ana",
        now=NOW,
    )
    assert report.balance == Decimal("400.00")
    with pytest.raises(IpRuleViolation, match=r"400\.00 MXN still due"):
        licence.receive(
            report,
            "p2",
            amount=Decimal("400.01"),
            received_on=date(2026, 4, 11),
            recorded_by="ana",
            now=NOW,
        )
    licence.receive(
        report,
        "p2",
        amount=Decimal("400.00"),
        received_on=date(2026, 4, 11),
        recorded_by="ana",
        now=NOW,
    )
    assert report.balance == 0
    received = [e for e in licence.pending_events() if isinstance(e.payload, ev.RoyaltyReceived)]
    assert [(e.payload.participant_id, e.payload.amount, e.key) for e in received] == [
        ("ana", Decimal("360.00"), "g1"),
        ("beto", Decimal("240.00"), "g2"),
        ("ana", Decimal("240.00"), "g1"),
        ("beto", Decimal("160.00"), "g2"),
    ]


def test_a_payment_in_the_future_is_refused() -> None:
    licence = grant()
    report = licence.record_report(
        "r1", period_start=date(2026, 1, 1), sales=Decimal("10000"), recorded_by="ana", now=NOW
    )
    with pytest.raises(IpRuleViolation, match="today or before"):
        licence.receive(
            report,
            "p1",
            amount=Decimal(1),
            received_on=date(2026, 7, 16),
            recorded_by="ana",
            now=NOW,
        )


def test_the_largest_remainder_takes_the_odd_centavo() -> None:
    parts = split(Decimal("0.01"), shares(("a", "33.3333"), ("b", "33.3334"), ("c", "33.3333")))
    assert [p.amount for p in parts] == [Decimal(0), Decimal("0.01"), Decimal(0)]
    parts = split(Decimal("100.00"), shares(("a", "33.3333"), ("b", "33.3333"), ("c", "33.3334")))
    assert [p.amount for p in parts] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    parts = split(Decimal("1.00"), shares(("a", "50"), ("b", "50")))
    assert [p.amount for p in parts] == [Decimal("0.50"), Decimal("0.50")]


@st.composite
def share_lists(draw: st.DrawFn) -> list[CoInventor]:
    """Shares in ten-thousandths of a percent, each above 0, summing to exactly 100."""
    n = draw(st.integers(1, 8))
    cuts = sorted(draw(st.sets(st.integers(1, 999_999), min_size=n - 1, max_size=n - 1)))
    bounds = [0, *cuts, 1_000_000]
    return [
        CoInventor(participant_id=f"p{i}", share=Decimal(hi - lo) / 10_000)
        for i, (lo, hi) in enumerate(pairwise(bounds))
    ]


@given(
    inventors=share_lists(),
    cents=st.integers(1, 1_000_000_000),
)
def test_the_split_sums_to_the_payment_and_stays_within_a_centavo(
    inventors: list[CoInventor], cents: int
) -> None:
    amount = Decimal(cents) / 100
    parts = split(amount, inventors)
    assert sum(p.amount for p in parts) == amount
    for part, inventor in zip(parts, inventors, strict=True):
        exact = amount * inventor.share / 100
        assert part.amount >= 0
        assert part.amount == part.amount.quantize(Decimal("0.01"))
        assert abs(part.amount - exact) < Decimal("0.01")

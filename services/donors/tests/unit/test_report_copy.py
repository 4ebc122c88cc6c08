"""A report's copy, kept when it is announced ready: one id per association and period (so an
announcement replayed finds it), and the PDF drawn from it is the same bytes whenever it is
drawn (its date is the copy's), saying whether the report is final or provisional."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

from pypdf import PdfReader

from donors.domain.report_copy import ReportCopy, copy_id
from donors.entrypoints.api.routers.associations import _report_pdf
from donors.entrypoints.api.schemas.donations import MonthPublic, ReportPublic

KEPT_AT = datetime(2030, 2, 1, 0, 0, 30, tzinfo=UTC)


def report(final: bool) -> ReportPublic:
    return ReportPublic(
        association_id="club",
        period="2030-01",
        start=date(2030, 1, 1),
        end=date(2030, 1, 31),
        as_of=datetime(2030, 2, 1, tzinfo=UTC),
        final=final,
        given_mxn=Decimal("1000.00"),
        kept_mxn=Decimal("1000.00"),
        matched_mxn=Decimal("0.00"),
        matched_paid_mxn=Decimal("0.00"),
        groups=[],
        by_month=[MonthPublic(month="2030-01", donations=1, given_mxn=Decimal("1000.00"))],
        late_bookings=[],
    )


def text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_one_copy_per_association_and_period() -> None:
    a = ReportCopy.of("club", "2030-01", "{}", KEPT_AT)
    b = ReportCopy.of("club", "2030-01", '{"other": 1}', KEPT_AT)
    assert a.id == b.id == copy_id("club", "2030-01")
    assert len({copy_id("club", "2030-01"), copy_id("club", "2030"), copy_id("c2", "2030-01")}) == 3


def test_the_pdf_of_a_kept_copy_is_the_same_bytes_each_time() -> None:
    kept = ReportCopy.of("club", "2030-01", report(final=True).model_dump_json(), KEPT_AT)
    first = _report_pdf(ReportPublic.model_validate_json(kept.content), kept.stored_at)
    again = _report_pdf(ReportPublic.model_validate_json(kept.content), kept.stored_at)
    assert first == again
    assert "1000.00" in text(first) and "yes" in text(first) and "provisional" not in text(first)


def test_a_report_not_announced_says_it_is_provisional() -> None:
    drawn = text(_report_pdf(report(final=False), KEPT_AT))
    assert "provisional" in drawn and "Final" in drawn

"""A receipt rendered to PDF (fpdf2) and read back (pypdf): Spanish and English, both amounts,
the association, the fund and the trust bank; a refunded donation's receipt says so."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from donors.adapters.receipt_pdf import receipt_pdf, report_pdf
from donors.domain.donation import Donation, DonationKind, Receipt, Terms
from donors.domain.receipt import LANGUAGES, text_of
from donors.service_layer.receipts import number_of

NOW = datetime(2030, 3, 1, 12, tzinfo=UTC)


def receipted() -> Donation:
    d = Donation.make(
        association_id="a1",
        association_name="Club Zacatecano de Chicago",
        portal_donation_id="portal-778",
        terms=Terms(
            group_id="g1", kind=DonationKind.GRANT, amount=Decimal("250.00"), currency="USD"
        ),
        state="32",
        municipality="Jerez",
        group_name="Tejedoras de Jerez",
        trust_bank="Banorte",
        rate=Decimal("17.2530"),
        rate_date=NOW.date(),
        now=NOW,
    )
    d.booked("e1", Decimal("2156.63"), Decimal("2156.62"), NOW)
    d.receipted(Receipt(number=number_of(2030, 7), year=2030, seq=7, issued_at=NOW))
    return d


def pdf_text(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    return [page.extract_text() for page in reader.pages]


def test_the_receipt_reads_back_in_both_languages_with_both_amounts() -> None:
    d = receipted()
    es, en = pdf_text(receipt_pdf([text_of(d, lang) for lang in LANGUAGES], NOW))
    for page in (es, en):
        assert "2030-000007" in page
        assert "250.00 USD" in page and "4313.25 MXN" in page
        assert "Club Zacatecano de Chicago" in page and "Banorte" in page and "g1" in page
        assert "17.2530" in page
    assert (
        "Recibo de donativo" in es and "Banco fiduciario" in es and "Subfondo de Desarrollo" in es
    )
    assert "Donation receipt" in en and "Trust bank" in en and "Development Sub-Fund" in en
    assert "REEMBOLSADO" not in es and "REFUNDED" not in en


def test_a_refunded_donation_keeps_its_number_and_says_it_was_refunded() -> None:
    d = receipted()
    d.request_refund("r1", Decimal("250.00"), "chargeback", True, NOW)
    d.refund_booked("r1", "e2", NOW + timedelta(days=1))
    es, en = pdf_text(receipt_pdf([text_of(d, lang) for lang in LANGUAGES], NOW))
    assert "2030-000007" in es and "2030-000007" in en
    assert "REEMBOLSADO: 250.00 USD (4313.25 MXN), 2030-03-02" in es
    assert "REFUNDED: 250.00 USD (4313.25 MXN), 2030-03-02" in en


def test_the_same_receipt_gives_the_same_bytes_and_foreign_script_does_not_break_it() -> None:
    d = receipted()
    texts = [text_of(d, lang) for lang in LANGUAGES]
    assert receipt_pdf(texts, NOW) == receipt_pdf(texts, NOW)
    d.association_name = "Club 墨西哥"
    page = pdf_text(receipt_pdf([text_of(d, "es")], NOW))[0]
    assert "Club ???" in page


def test_a_donation_without_a_number_has_no_receipt() -> None:
    d = receipted()
    d.receipt = None
    with pytest.raises(ValueError, match="no receipt"):
        text_of(d, "es")


def test_a_report_renders() -> None:
    pages = pdf_text(
        report_pdf("Informe 2030", NOW, [("2030", [("Donado / Given (MXN)", "10.00")])])
    )
    assert "Donado / Given (MXN)" in pages[0] and "10.00" in pages[0]

"""Receipts and reports as PDF, drawn with fpdf2.

Why fpdf2 and not reportlab: both are maintained; fpdf2 is pure Python (its only dependencies,
Pillow, fontTools and defusedxml, install as wheels everywhere), it draws a one-page document in
a few calls, and its core fonts carry every Spanish letter (Latin-1) without shipping a font
file. ReportLab's strength, long flowing documents (Platypus), is not needed for a receipt.

Text that is not Latin-1 (an association's name in another script) is drawn with `?` in place
of each such character: the JSON receipt keeps it exactly. The document's creation date is the
receipt's own date, so the same receipt gives the same bytes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fpdf import FPDF

from donors.domain.receipt import ReceiptText


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def _document(title: str, when: datetime) -> FPDF:
    pdf = FPDF(format="Letter")
    pdf.set_creation_date(when)
    pdf.set_title(_latin1(title))
    pdf.set_creator("MEGP donors")
    pdf.set_auto_page_break(auto=True, margin=15)
    return pdf


def _section(
    pdf: FPDF, title: str, lines: Sequence[tuple[str, str]], footer: Sequence[str]
) -> None:
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 10, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for key, value in lines:
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(70, 7, _latin1(key))
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 7, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for text in footer:
        pdf.set_font("Helvetica", style="B" if text.isupper() or ":" in text[:16] else "", size=11)
        pdf.multi_cell(0, 7, _latin1(text), new_x="LMARGIN", new_y="NEXT")


def receipt_pdf(texts: Sequence[ReceiptText], when: datetime) -> bytes:
    """One page per language (Spanish first), the same receipt on each."""
    pdf = _document(texts[0].title, when)
    for t in texts:
        footer = [x for x in (t.refunded, t.note) if x]
        _section(pdf, t.title, [(line.label, line.value) for line in t.lines], footer)
    return bytes(pdf.output())


def report_pdf(
    title: str, when: datetime, sections: Sequence[tuple[str, Sequence[tuple[str, str]]]]
) -> bytes:
    """A report: one page per section, each a title and its lines."""
    pdf = _document(title, when)
    for heading, lines in sections:
        _section(pdf, heading, lines, [])
    return bytes(pdf.output())

"""A donation's receipt: what it says, in Spanish and in English. Numbered once, when funds has
booked the donation (`YYYY-NNNNNN`, gapless within a year: service_layer/receipts.py); the
number never changes and is never given to another donation. A refunded donation keeps its
receipt and number; the receipt then says it was refunded, and how much.

Pure: the PDF is drawn from these lines by an adapter (adapters/receipt_pdf.py)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from donors.domain.donation import Donation, DonationKind, RefundStatus
from megp_common.money import render_amount

LANGUAGES = ("es", "en")

_LABELS: dict[str, dict[str, str]] = {
    "title": {"es": "Recibo de donativo", "en": "Donation receipt"},
    "number": {"es": "Folio", "en": "Receipt number"},
    "issued": {"es": "Fecha de emisión", "en": "Issued on"},
    "association": {"es": "Asociación", "en": "Association"},
    "portal_id": {"es": "Referencia del portal", "en": "Portal reference"},
    "group": {"es": "Grupo del proyecto", "en": "Project group"},
    "fund": {
        "es": "Fondo de Competitividad y Desarrollo",
        "en": "Competition and Development Fund",
    },
    "trust_bank": {"es": "Banco fiduciario", "en": "Trust bank"},
    "kind": {"es": "Tipo", "en": "Kind"},
    "amount": {"es": "Importe donado", "en": "Amount given"},
    "amount_mxn": {"es": "Importe en pesos", "en": "Amount in pesos"},
    "rate": {"es": "Tipo de cambio (MXN por unidad)", "en": "Exchange rate (MXN per unit)"},
    "split": {"es": "Reparto 50/50", "en": "50/50 split"},
    "development": {"es": "Subfondo de Desarrollo", "en": "Development Sub-Fund"},
    "competition": {"es": "Subfondo de Competitividad", "en": "Competition Sub-Fund"},
    "return": {"es": "Devolución", "en": "Return"},
    "refund": {"es": "REEMBOLSADO", "en": "REFUNDED"},
    "refund_refused": {"es": "Reembolso rechazado", "en": "Refund refused"},
    "refund_pending": {"es": "Reembolso solicitado", "en": "Refund requested"},
    "note": {
        "es": "Un donativo no da derecho a decidir por el grupo (¶55).",
        "en": "A donation gives no right to decide for the group (¶55).",
    },
}

_KINDS = {
    DonationKind.GRANT: {"es": "donativo", "en": "grant"},
    DonationKind.TEMPORARY: {"es": "aportación temporal", "en": "temporary contribution"},
}
_METHODS = {
    "bank_transfer": {"es": "transferencia bancaria", "en": "bank transfer"},
    "through_portal": {"es": "a través del portal", "en": "through the portal"},
    "cheque": {"es": "cheque", "en": "cheque"},
}


def money(amount: Decimal, currency: str) -> str:
    return f"{render_amount(amount)} {currency}"


@dataclass(frozen=True)
class ReceiptLine:
    label: str
    value: str


@dataclass(frozen=True)
class ReceiptText:
    """One language's receipt, line by line."""

    language: str
    title: str
    lines: tuple[ReceiptLine, ...]
    refunded: str | None
    note: str


def label(key: str, language: str) -> str:
    return _LABELS[key][language]


def text_of(d: Donation, language: str) -> ReceiptText:
    if d.receipt is None:
        raise ValueError("a donation without a receipt number has no receipt")
    t = d.terms

    def line(key: str, value: str) -> ReceiptLine:
        return ReceiptLine(label(key, language), value)

    lines = [
        line("number", d.receipt.number),
        line("issued", d.receipt.issued_at.date().isoformat()),
        line("association", d.association_name),
        line("portal_id", d.portal_donation_id),
        line("group", d.group_name or d.group_id),
        line("fund", d.group_id),
        line("trust_bank", d.trust_bank or "-"),
        line("kind", _KINDS[t.kind][language]),
        line("amount", money(t.amount, t.currency)),
        line("amount_mxn", money(d.amount_mxn, "MXN")),
    ]
    if t.currency != "MXN":
        lines.append(line("rate", f"{d.exchange_rate} ({d.rate_date})"))
    if d.development_mxn is not None and d.competition_mxn is not None:
        lines.append(
            line(
                "split",
                f"{label('development', language)} {money(d.development_mxn, 'MXN')}; "
                f"{label('competition', language)} {money(d.competition_mxn, 'MXN')}",
            )
        )
    if t.return_due_on is not None and t.return_method is not None:
        lines.append(
            line("return", f"{t.return_due_on.isoformat()}, {_METHODS[t.return_method][language]}")
        )
    refunded = None
    if d.refund is not None:
        r = d.refund
        key = {
            RefundStatus.BOOKED: "refund",
            RefundStatus.REFUSED: "refund_refused",
            RefundStatus.REQUESTED: "refund_pending",
        }[r.status]
        when = (r.settled_at or r.requested_at).date().isoformat()
        refunded = (
            f"{label(key, language)}: {money(r.amount, t.currency)} "
            f"({money(r.amount_mxn, 'MXN')}), {when}"
        )
    return ReceiptText(
        language, label("title", language), tuple(lines), refunded, label("note", language)
    )

"""Charts drawn on the server as inline SVG (no script, no library): horizontal bars, one per
row, with the figure written beside each bar; the table under the chart carries the same
figures for whoever would rather read."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: Decimal
    shown: str  # the value as the page writes it (locale-formatted)


def bars(
    title: str, rows: list[Bar], *, width: int = 400, row_h: int = 24, label_w: int = 40
) -> str:
    figure_w = 120
    span = width - label_w - figure_w
    top = max((r.value for r in rows), default=Decimal(0))
    height = row_h * max(len(rows), 1) + 8
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, row in enumerate(rows):
        y = 4 + i * row_h
        length = 0 if top <= 0 else int(span * max(row.value, Decimal(0)) / top)
        parts.append(
            f'<text x="0" y="{y + 15}">{escape(row.label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{max(length, 1)}" height="{row_h - 8}" '
            f'fill="#0b4f8a"></rect>'
            f'<text x="{label_w + length + 6}" y="{y + 15}">{escape(row.shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)

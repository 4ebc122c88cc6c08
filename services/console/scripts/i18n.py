"""Extract the console's messages, merge the Spanish (es_MX) and English catalogues and compile
them to .mo (both committed; `tests/unit/test_i18n.py` fails when they are out of step).

    uv run --frozen python services/console/scripts/i18n.py
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LOCALE = ROOT / "src" / "console" / "locale"
sys.path.insert(0, str(HERE))

from es_mx import ES_MX  # noqa: E402

FIXED = datetime(2026, 1, 1, tzinfo=UTC)
METHODS = [
    ("src/console/**.py", "python"),
    ("src/console/**/templates/**.html", "jinja2"),
]
OPTIONS = {"src/console/**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def message_ids() -> list[str]:
    found: dict[str, None] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, options_map=OPTIONS, keywords={"_": None, "gettext": None, "N_": None}
    ):
        if isinstance(message, str):
            found.setdefault(message)
    return list(found)


def catalogue(locale: str, ids: list[str]) -> Catalog:
    # fixed dates: the compiled catalogue depends on the messages only, so a test can compare
    cat = Catalog(
        locale=locale,
        domain="messages",
        project="megp-console",
        fuzzy=False,
        creation_date=FIXED,
        revision_date=FIXED,
    )
    for mid in ids:
        cat.add(mid, ES_MX.get(mid, "") if locale == "es_MX" else "")
    return cat


def build() -> dict[str, tuple[bytes, bytes]]:
    """Each locale's .po and .mo bytes, from the sources as they are."""
    ids = message_ids()
    out = {}
    for locale in ("es_MX", "en"):
        cat = catalogue(locale, ids)
        po, mo = io.BytesIO(), io.BytesIO()
        write_po(po, cat, omit_header=True, sort_output=True, width=100)
        write_mo(mo, cat)
        out[locale] = (po.getvalue(), mo.getvalue())
    return out


def main() -> None:
    missing = [m for m in message_ids() if m not in ES_MX]
    for locale, (po, mo) in build().items():
        folder = LOCALE / locale / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "messages.po").write_bytes(po)
        (folder / "messages.mo").write_bytes(mo)
    if missing:
        print("untranslated in es_MX:", *missing, sep="\n  ")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
